"""Read the rows of the run's partitions for a suite (raw Parquet or a core warehouse table).

Only the run's business dates are read, so validation cost stays flat as history grows, and
they are read as chunks of whole partitions of at most ``max_cells`` values (rows x columns:
a wide table gets fewer rows per chunk), so memory stays flat as a backfill grows. The
warehouse is opened read-only for the duration of one query and closed before returning
(DuckDB allows one writer; dbt must never find it held open).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.contract import entity
from orchestration.defs.quality.profile import ProfileError, partition_profile
from orchestration.lib.gx_runner import PROFILE_DATASET, Chunk, to_frame
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
    """What the runner needs: the run's rows as chunks, plus run-time parameters."""

    chunks: Iterator[Chunk]
    parameters: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    history_counts: dict[date, int] | None = None
    sources: list[str] = field(default_factory=list)
    profile: pd.DataFrame | None = None
    """The partition profile (raw suites with ``partition_profile`` expectations)."""


def plan_chunks(counts: Mapping[date, int], max_rows: int) -> list[tuple[date, ...]]:
    """Consecutive dates grouped so no group holds more than ``max_rows`` rows (a single
    bigger partition is a group of its own)."""
    groups: list[tuple[date, ...]] = []
    current: list[date] = []
    rows = 0
    for day in sorted(counts):
        if current and rows + counts[day] > max_rows:
            groups.append(tuple(current))
            current, rows = [], 0
        current.append(day)
        rows += counts[day]
    if current:
        groups.append(tuple(current))
    return groups


def rows_per_chunk(max_cells: int, columns: int) -> int:
    """The most rows of a ``columns``-wide table that fit ``max_cells`` values (at least 1)."""
    return max(1, max_cells // max(1, columns))


def raw_batch(
    suite: SuiteSpec,
    raw_dir: Path,
    quarantine_dir: Path,
    dates: Sequence[date],
    max_cells: int,
) -> Batch:
    """Chunks of the run's raw partitions, plus volume history, reference sets, derived
    columns (only row counts are read up front, from the Parquet footers) and the partition
    profile (quarantine shares, identifier shapes)."""
    _, source, name = suite.asset_key
    files = partition_files(raw_dir, source, name)
    missing = [d.isoformat() for d in dates if d not in files]
    if missing:
        raise BatchError(
            f"raw partition(s) {', '.join(missing)} of {source}.{name} not found under "
            f"{raw_dir / source / name}"
        )
    try:
        footers = {d: pq.ParquetFile(files[d]).metadata for d in dates}
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchError(f"cannot read raw partitions of {source}.{name}: {exc}") from exc
    counts = {d: footer.num_rows for d, footer in footers.items()}
    columns = max(footer.num_columns for footer in footers.values()) + len(suite.derived_columns)
    last_day = max(dates)
    batch = Batch(chunks=iter(()), sources=[str(files[d]) for d in sorted(dates)])
    needed = {p for e in suite.expectations for p in e.parameters}
    for param in sorted(needed & PARAMETER_PROVIDERS.keys()):
        value, note = PARAMETER_PROVIDERS[param](raw_dir, last_day)
        if value is None:
            batch.unavailable[param] = note
        else:
            batch.parameters[param] = value
        batch.notes.append(f"{param}: {note}")
    for column in suite.derived_columns:
        if column not in DERIVED_COLUMNS:
            raise BatchError(f"suite {suite.name} names unknown derived column {column!r}")

    def read(days: tuple[date, ...]) -> Chunk:
        try:
            tables = [pq.read_table(files[d]) for d in days]
            table = pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, OSError) as exc:
            raise BatchError(f"cannot read raw partitions of {source}.{name}: {exc}") from exc
        frame = to_frame(table)
        del tables, table
        for column in suite.derived_columns:
            frame, _, _ = DERIVED_COLUMNS[column](frame, raw_dir, last_day)
        return Chunk(days, frame)

    for column in suite.derived_columns:  # availability and note, once for the whole run
        empty = to_frame(pq.read_schema(files[last_day]).empty_table())
        _, known, note = DERIVED_COLUMNS[column](empty, raw_dir, last_day)
        if not known:
            batch.unavailable[column] = note
        batch.notes.append(f"{column}: {note}")
    max_rows = rows_per_chunk(max_cells, columns)
    batch.chunks = (read(days) for days in plan_chunks(counts, max_rows))
    if any(e.meta.get("volume_band") for e in suite.expectations):
        batch.history_counts = partition_row_counts(raw_dir, source, name)
    if any(e.meta.get("dataset") == PROFILE_DATASET for e in suite.expectations):
        con = duckdb.connect(config=READ_CONFIG)
        try:
            batch.profile = partition_profile(
                entity(source, name), raw_dir, quarantine_dir, dates, con
            )
        except ProfileError as exc:
            raise BatchError(str(exc)) from exc
        finally:
            con.close()
    return batch


def core_batch(suite: SuiteSpec, warehouse: Path, dates: Sequence[date], max_cells: int) -> Batch:
    """Chunks of a core table's rows whose ``date_column`` falls on the run's dates. The
    warehouse is opened read-only for each query and closed right after."""
    schema, table = suite.asset_key[0], suite.asset_key[-1]
    if not warehouse.exists():
        raise BatchError(f"warehouse {warehouse} does not exist")
    column = suite.date_column
    where = f'"{column}" >= ?::date and "{column}" <= ?::date'
    counted, header = _queries(
        warehouse,
        [
            (
                f'select "{column}"::date, count(*) from "{schema}"."{table}" '
                f"where {where} group by 1",
                [min(dates), max(dates)],
            ),
            (f'select * from "{schema}"."{table}" limit 0', []),  # the table's width
        ],
        f"{schema}.{table}",
    )
    columns = header.num_columns
    counts = dict.fromkeys(dates, 0) | {
        d: int(n) for d, n in zip(*counted.to_pydict().values(), strict=True) if d is not None
    }

    def read(days: tuple[date, ...]) -> Chunk:
        arrow = _query(
            warehouse,
            f'select * from "{schema}"."{table}" where {where}',
            [min(days), max(days)],
            f"{schema}.{table}",
        )
        return Chunk(days, to_frame(arrow))

    chunks = (read(days) for days in plan_chunks(counts, rows_per_chunk(max_cells, columns)))
    return Batch(chunks=chunks, sources=[f"{warehouse}:{schema}.{table}"])


READ_CONFIG = {"memory_limit": "256MB", "threads": 1}
"""DuckDB settings of the check steps' reads. Uncapped, DuckDB sizes its buffer pool to 80 % of
RAM inside the pipeline process: a year of ``fct_call_segments`` peaked at 1,270 MB, and at
1,029 MB with this cap, in the same 79 s (the result is an Arrow table either way)."""


def _query(warehouse: Path, sql: str, params: list[Any], what: str) -> pa.Table:
    """One read-only query: :func:`_queries` with one."""
    (table,) = _queries(warehouse, [(sql, params)], what)
    return table


def _queries(
    warehouse: Path, queries: Sequence[tuple[str, list[Any]]], what: str
) -> list[pa.Table]:
    """Read-only queries on one connection (:data:`READ_CONFIG`), closed before returning."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True, config=READ_CONFIG)
    except duckdb.Error as exc:
        raise BatchError(f"cannot open warehouse {warehouse} read-only: {exc}") from exc
    try:
        return [con.sql(sql, params=params).to_arrow_table() for sql, params in queries]
    except duckdb.Error as exc:
        raise BatchError(f"cannot read {what} from {warehouse}: {exc}") from exc
    finally:
        con.close()
