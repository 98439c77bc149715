"""The partition profile of a raw entity: one row per business date of a run, for the raw
suite's expectations on what ingestion kept out and on the shape of identifiers.

Columns (all per partition):

* ``rows_in``, ``rows_loaded``, ``rows_quarantined``: the delivered data rows and where they
  went (raw Parquet footer + quarantine partition; ``rows_in = loaded + quarantined``);
* ``quarantined_share``: ``rows_quarantined / rows_in`` (0 for a header-only file);
* ``loaded_nothing``: the delivery had rows and none reached raw (always blocks);
* ``shape_share__<id column>``: the share of the column's non-null values that have its most
  common *shape* (digits -> ``9``, ASCII letters -> ``A``: ``E001`` -> ``A999``); null when
  the column has no value that day. Opaque ids need no format, but a source whose ids keep
  one shape and suddenly do not (Excel dropped leading zeros) is worth a warning;
* ``<column>__detail``: the sentence a failure shows for that column and partition (share,
  counts, top reasons, the quarantine file to open, sample values).

Computed with DuckDB over the run's Parquet files only (one query per table), so the cost
follows the run, not the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import Entity
from orchestration.lib.gx_runner import DETAIL_SUFFIX
from orchestration.lib.gx_runtime import partition_files

SHAPE_PREFIX = "shape_share__"
TOP_REASONS = 5
SAMPLES = 5
_SHAPE_SQL = "regexp_replace(regexp_replace({c}, '[0-9]', '9', 'g'), '[A-Za-z]', 'A', 'g')"


class ProfileError(RuntimeError):
    """The profile could not be computed (a partition is missing or unreadable)."""


def partition_profile(
    entity: Entity,
    raw_dir: Path,
    quarantine_dir: Path,
    dates: Sequence[date],
    con: duckdb.DuckDBPyConnection,
) -> pd.DataFrame:
    """The profile of ``entity`` on ``dates`` (one row per date, sorted)."""
    days = sorted(set(dates))
    raw = partition_files(raw_dir, entity.source, entity.name)
    quarantined = partition_files(quarantine_dir, entity.source, entity.name)
    missing = [d.isoformat() for d in days if d not in raw or d not in quarantined]
    if missing:
        raise ProfileError(
            f"raw or quarantine partition(s) {', '.join(missing)} of {entity.source}."
            f"{entity.name} not found (every accepted delivery writes both)"
        )
    try:
        loaded = _counts(con, [raw[d] for d in days], "_business_date")
        reasons = _reasons(con, [quarantined[d] for d in days])
        shapes = {
            c.name: _shapes(con, [raw[d] for d in days], c.name)
            for c in entity.columns
            if c.identifier
        }
    except duckdb.Error as exc:
        raise ProfileError(f"cannot profile {entity.source}.{entity.name}: {exc}") from exc
    rows = []
    for day in days:
        n_loaded = loaded.get(day, 0)
        day_reasons = reasons.get(day, [])
        n_quarantined = sum(n for _, n in day_reasons)
        n_in = n_loaded + n_quarantined
        share = n_quarantined / n_in if n_in else 0.0
        row: dict[str, object] = {
            "business_date": day.isoformat(),
            "rows_in": n_in,
            "rows_loaded": n_loaded,
            "rows_quarantined": n_quarantined,
            "quarantined_share": share,
            "loaded_nothing": n_in > 0 and n_loaded == 0,
        }
        where = f"open {quarantined[day]}"
        top = ", ".join(f"{r} {n:,}" for r, n in day_reasons[:TOP_REASONS])
        more = len(day_reasons) - TOP_REASONS
        top += f" (+{more} more reasons)" if more > 0 else ""
        quarantine_detail = (
            f"{day}: {share:.2%} of {n_in:,} delivered rows quarantined ({n_quarantined:,})"
            + (f": {top}; {where}" if n_quarantined else "")
        )
        row["quarantined_share" + DETAIL_SUFFIX] = quarantine_detail
        row["loaded_nothing" + DETAIL_SUFFIX] = (
            f"{day}: none of {n_in:,} delivered rows loaded: {top}; {where}"
            if row["loaded_nothing"]
            else quarantine_detail
        )
        for column, by_day in shapes.items():
            share_, detail = _shape_detail(column, day, by_day.get(day, []))
            row[SHAPE_PREFIX + column] = share_
            row[SHAPE_PREFIX + column + DETAIL_SUFFIX] = detail
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if column.startswith(SHAPE_PREFIX) and not column.endswith(DETAIL_SUFFIX):
            frame[column] = frame[column].astype("Float64")
    return frame


def _files_sql(files: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _counts(con: duckdb.DuckDBPyConnection, files: Sequence[Path], column: str) -> dict[date, int]:
    sql = f"select {column}, count(*) from read_parquet({_files_sql(files)}) group by 1"
    return {d: int(n) for d, n in con.sql(sql).fetchall()}


def _reasons(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path]
) -> dict[date, list[tuple[str, int]]]:
    """Quarantine reasons with counts per date, most frequent first."""
    sql = (
        f"select business_date, reason, count(*) as n from read_parquet({_files_sql(files)}) "
        "group by 1, 2 order by 1, n desc, 2"
    )
    out: dict[date, list[tuple[str, int]]] = {}
    for day, reason, n in con.sql(sql).fetchall():
        out.setdefault(day, []).append((reason, int(n)))
    return out


def _shapes(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], column: str
) -> dict[date, list[tuple[str, int, list[str]]]]:
    """Per date: each shape of the column's non-null values, its count and sample values,
    most frequent first."""
    quoted = '"' + column.replace('"', '""') + '"'
    sql = (
        f"select _business_date, {_SHAPE_SQL.format(c=quoted)} as shape, count(*) as n, "
        f"list(distinct {quoted} order by {quoted})[1:{SAMPLES}] "
        f"from read_parquet({_files_sql(files)}) where {quoted} is not null "
        "group by 1, 2 order by 1, n desc, 2"
    )
    out: dict[date, list[tuple[str, int, list[str]]]] = {}
    for day, shape, n, samples in con.sql(sql).fetchall():
        out.setdefault(day, []).append((shape, int(n), list(samples)))
    return out


def _shape_detail(
    column: str, day: date, shapes: list[tuple[str, int, list[str]]]
) -> tuple[float | None, str]:
    total = sum(n for _, n, _ in shapes)
    if not total:
        return None, f"{day}: no {column} values"
    shape, n, _ = shapes[0]
    others = "; ".join(
        f"{s!r} x{k:,} (e.g. {', '.join(map(repr, samples))})" for s, k, samples in shapes[1:4]
    )
    detail = f"{day}: {n / total:.2%} of {total:,} {column} values have the shape {shape!r}"
    return n / total, detail + (f"; other shapes: {others}" if others else "")
