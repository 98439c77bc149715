"""Build the seed ``seeds/cn_calendar.csv`` from the ``chinesecalendar`` package.

One row per day from ``--start`` to the last year the package knows (State Council
announcements): public holidays (the whole official day-off period, with its name) and the
adjusted working days (调休, weekend days that are working days). Days after the package's
range are not in the seed; ``dim_date`` flags them with ``has_official_calendar = false``.

Run from the repository root after upgrading ``chinesecalendar`` and commit the CSV::

    .venv/bin/python dbt_project/scripts/build_cn_calendar.py
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
from chinese_calendar.constants import holidays, workdays

SEED = Path(__file__).resolve().parents[1] / "seeds" / "cn_calendar.csv"
HEADER = ("calendar_date", "is_holiday", "holiday_name", "is_adjusted_working_day")


def calendar_rows(start: date, end: date) -> list[tuple[str, bool, str, bool]]:
    """Rows for every day in ``[start, end]``: holiday flag/name and adjusted-working-day flag."""
    rows = []
    day = start
    while day <= end:
        holiday = holidays.get(day)
        rows.append(
            (
                day.isoformat(),
                holiday is not None,
                holiday or "",
                day in workdays,
            )
        )
        day += timedelta(days=1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2018, 1, 1))
    parser.add_argument("--out", type=Path, default=SEED)
    args = parser.parse_args()
    last_year = max(holidays).year
    rows = calendar_rows(args.start, date(last_year, 12, 31))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for d, is_holiday, name, is_adjusted in rows:
            writer.writerow(
                (d, "true" if is_holiday else "false", name, "true" if is_adjusted else "false")
            )
    print(f"wrote {len(rows)} days to {args.out} (chinesecalendar {chinese_calendar.__version__})")


if __name__ == "__main__":
    main()
