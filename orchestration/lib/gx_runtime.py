"""Values a raw suite needs at run time, computed from the raw lake (cheap, per run).

* volume bounds: the row counts of prior partitions from Parquet metadata (no data read);
* reference sets: ``known_agent_logins`` / ``known_employee_ids`` from the latest
  ``hr.employees`` snapshot on or before the run's last date (referential coverage);
* derived columns: ``_max_score`` on ``survey.qa_evaluations`` (the criterion's max score in
  its form version, from the latest ``survey.qa_forms`` snapshot) for "score <= max".

A value that cannot be computed comes back as a note; the runner skips the expectations
that need it and records the note (never a silent pass).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

PARTITION_PREFIX = "business_date="


def partition_files(raw_dir: Path, source: str, entity: str) -> dict[date, Path]:
    """Every ``business_date=<d>/data.parquet`` of one raw entity, by date."""
    root = raw_dir / source / entity
    out: dict[date, Path] = {}
    if not root.is_dir():
        return out
    for folder in root.iterdir():
        path = folder / "data.parquet"
        if folder.name.startswith(PARTITION_PREFIX) and path.is_file():
            out[date.fromisoformat(folder.name.removeprefix(PARTITION_PREFIX))] = path
    return out


def partition_row_counts(raw_dir: Path, source: str, entity: str) -> dict[date, int]:
    """Row count of every partition, read from the Parquet footers only."""
    return {
        d: pq.ParquetFile(p).metadata.num_rows
        for d, p in partition_files(raw_dir, source, entity).items()
    }


@dataclass(frozen=True)
class VolumeBand:
    """Row-count band relative to the trailing median of prior partitions."""

    lookback: int = 28
    min_history: int = 7
    low: float = 0.4
    high: float = 2.5

    @classmethod
    def from_meta(cls, meta: dict) -> VolumeBand:
        return cls(**{k: meta[k] for k in ("lookback", "min_history", "low", "high") if k in meta})

    def bounds(self, counts: dict[date, int], day: date) -> tuple[int, int, float] | str:
        """``(min, max, median)`` for ``day`` or a note explaining why there are none."""
        prior = sorted(d for d in counts if d < day)[-self.lookback :]
        if len(prior) < self.min_history:
            return (
                f"not enough history: {len(prior)} prior partition(s) before {day}, "
                f"need {self.min_history}"
            )
        median = statistics.median(counts[d] for d in prior)
        return int(median * self.low), int(-(-median * self.high // 1)), float(median)


def latest_snapshot(raw_dir: Path, source: str, entity: str, on_or_before: date) -> Path | None:
    """The newest partition of a snapshot entity not after ``on_or_before``."""
    files = partition_files(raw_dir, source, entity)
    eligible = [d for d in files if d <= on_or_before]
    return files[max(eligible)] if eligible else None


ParamValue = tuple[object | None, str]
"""(value, note): value ``None`` means unavailable and the note says why."""


def _employee_column(column: str) -> Callable[[Path, date], ParamValue]:
    def provide(raw_dir: Path, last_day: date) -> ParamValue:
        path = latest_snapshot(raw_dir, "hr", "employees", last_day)
        if path is None:
            return None, f"no hr.employees snapshot on or before {last_day}: coverage not checked"
        values = pq.read_table(path, columns=[column]).column(column).drop_null().unique()
        return sorted(values.to_pylist()), f"reference set from {path.parent.name} (hr.employees)"

    return provide


PARAMETER_PROVIDERS: dict[str, Callable[[Path, date], ParamValue]] = {
    "known_agent_logins": _employee_column("agent_login"),
    "known_employee_ids": _employee_column("employee_id"),
}
"""``{"$PARAMETER": name}`` values a raw suite may use, besides the volume bounds."""


DerivedValue = tuple[pd.DataFrame, bool, str]
"""(frame with the column added, whether its values are known, note)."""


def add_max_score(df: pd.DataFrame, raw_dir: Path, last_day: date) -> DerivedValue:
    """Add ``_max_score`` (criterion max of the evaluation's form version) to QA evaluations."""
    path = latest_snapshot(raw_dir, "survey", "qa_forms", last_day)
    if path is None:
        missing = pd.Series(pd.NA, index=df.index, dtype="Float64")
        note = f"no survey.qa_forms snapshot on or before {last_day}: score <= max not checked"
        return df.assign(_max_score=missing), False, note
    forms = pq.read_table(path, columns=["form_version", "criterion_code", "max_score"])
    lookup = forms.to_pandas().drop_duplicates(["form_version", "criterion_code"])
    lookup = lookup.rename(columns={"max_score": "_max_score"})
    merged = df.merge(lookup, on=["form_version", "criterion_code"], how="left")
    merged.index = df.index
    merged["_max_score"] = merged["_max_score"].astype("Float64")
    return merged, True, f"_max_score from {path.parent.name} (survey.qa_forms)"


DERIVED_COLUMNS: dict[str, Callable[[pd.DataFrame, Path, date], DerivedValue]] = {
    "_max_score": add_max_score,
}
