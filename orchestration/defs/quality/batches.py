"""Read the rows of the run's partitions for a suite (raw Parquet or a core warehouse table).

Only the run's business dates are read, so validation cost stays flat as history grows. The
warehouse is opened read-only for the duration of one query and closed before returning
(DuckDB allows one writer; dbt must never find it held open).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.gx_runner import to_frame
from orchestration.lib.gx_runtime import (
    DERIVED_COLUMNS,
    PARAMETER_PROVIDERS,
    partition_files,
    partition_row_counts,
)
from orchestration.lib.gx_suites import SuiteSpec


class BatchError(RuntimeError):
    """The rows to validate could not be read (the check could not run)."""


@dataclass
class Batch:
    """What the runner needs: the frame plus run-time parameters and their notes."""

    frame: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    history_counts: dict[date, int] | None = None
    sources: list[str] = field(default_factory=list)


def raw_batch(suite: SuiteSpec, raw_dir: Path, dates: Sequence[date]) -> Batch:
    """Rows of the run's raw partitions, plus volume history, reference sets, derived columns."""
    _, source, entity = suite.asset_key
    files = partition_files(raw_dir, source, entity)
    missing = [d.isoformat() for d in dates if d not in files]
    if missing:
        raise BatchError(
            f"raw partition(s) {', '.join(missing)} of {source}.{entity} not found under "
            f"{raw_dir / source / entity}"
        )
    paths = [files[d] for d in sorted(dates)]
    try:
        table = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="permissive")
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchError(f"cannot read raw partitions of {source}.{entity}: {exc}") from exc
    batch = Batch(frame=to_frame(table), sources=[str(p) for p in paths])
    last_day = max(dates)
    needed = {p for e in suite.expectations for p in e.parameters}
    for name in sorted(needed & PARAMETER_PROVIDERS.keys()):
        value, note = PARAMETER_PROVIDERS[name](raw_dir, last_day)
        if value is None:
            batch.unavailable[name] = note
        else:
            batch.parameters[name] = value
        batch.notes.append(f"{name}: {note}")
    for column in suite.derived_columns:
        if column not in DERIVED_COLUMNS:
            raise BatchError(f"suite {suite.name} names unknown derived column {column!r}")
        batch.frame, known, note = DERIVED_COLUMNS[column](batch.frame, raw_dir, last_day)
        if not known:
            batch.unavailable[column] = note
        batch.notes.append(f"{column}: {note}")
    if any(e.meta.get("volume_band") for e in suite.expectations):
        batch.history_counts = partition_row_counts(raw_dir, source, entity)
    return batch


def core_batch(suite: SuiteSpec, warehouse: Path, dates: Sequence[date]) -> Batch:
    """Rows of a core table whose ``date_column`` falls on the run's dates (read-only, closed
    before returning)."""
    schema, table = suite.asset_key[0], suite.asset_key[-1]
    if not warehouse.exists():
        raise BatchError(f"warehouse {warehouse} does not exist")
    column = suite.date_column
    sql = (
        f'select * from "{schema}"."{table}" where "{column}" >= ?::date and "{column}" <= ?::date'
    )
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise BatchError(f"cannot open warehouse {warehouse} read-only: {exc}") from exc
    try:
        arrow = con.sql(sql, params=[min(dates), max(dates)]).to_arrow_table()
    except duckdb.Error as exc:
        raise BatchError(f"cannot read {schema}.{table} from {warehouse}: {exc}") from exc
    finally:
        con.close()
    return Batch(frame=to_frame(arrow), sources=[f"{warehouse}:{schema}.{table}"])
