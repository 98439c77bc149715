"""The Arrow schema of raw Parquet files, derived from the contract (see docs/raw-layer.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.contract import ENTITIES, LINEAGE_COLUMNS, Column, Entity

ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "ts": pa.timestamp("us"),
}

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("entity", pa.string()),
        ("business_date", pa.date32()),
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("raw_line", pa.string()),
        ("reason", pa.string()),
        ("load_id", pa.string()),
    ]
)

LOAD_AUDIT_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("loaded_at", pa.timestamp("us")),
        ("source", pa.string()),
        ("entity", pa.string()),
        ("business_date", pa.date32()),
        ("source_file", pa.string()),
        ("file_sha256", pa.string()),
        ("manifest_generated_at", pa.timestamp("us")),
        ("encoding", pa.string()),
        ("status", pa.string()),
        ("rows_in", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("message", pa.string()),
    ]
)


def _field(column: Column) -> pa.Field:
    return pa.field(column.name, ARROW_TYPES[column.type], nullable=column.nullable)


def raw_schema(entity: Entity) -> pa.Schema:
    """Contract columns in order, then the lineage columns."""
    return pa.schema([_field(c) for c in (*entity.columns, *LINEAGE_COLUMNS)])


def partition_dir(root: Path, entity: Entity, business_date: date) -> Path:
    """``<root>/<source>/<entity>/business_date=<date>`` (root = raw or quarantine dir)."""
    return root / entity.source / entity.name / f"business_date={business_date.isoformat()}"


def write_empty_lake(raw_dir: Path, business_date: date) -> list[Path]:
    """Write a zero-row partition for every entity: lets dbt parse, build ``--empty`` and run
    unit tests before any delivery has been loaded."""
    written = []
    for e in ENTITIES:
        folder = partition_dir(raw_dir, e, business_date)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "data.parquet"
        pq.write_table(raw_schema(e).empty_table(), path)
        written.append(path)
    return written
