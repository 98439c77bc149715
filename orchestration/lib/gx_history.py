"""The validation history: one Parquet file per suite validation, append-only, no lock.

``$CSQ_HOME/lake/audit/validations/<validated_at>__<suite>__<run_id>.parquet``; read it all
with ``read_parquet('<lake>/audit/validations/*.parquet')`` (DuckDB) - the publish step copies
it into the published file as ``audit_validation_results``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.gx_runner import SuiteOutcome

HISTORY_GLOB = "*.parquet"

HISTORY_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("partition_start", pa.date32()),
        ("partition_end", pa.date32()),
        ("partition", pa.string()),
        ("suite", pa.string()),
        ("asset_key", pa.string()),
        ("expectation", pa.string()),
        ("expectation_type", pa.string()),
        ("column_name", pa.string()),
        ("success", pa.bool_()),
        ("status", pa.string()),
        ("severity", pa.string()),
        ("observed_value", pa.string()),
        ("unexpected_count", pa.int64()),
        ("unexpected_percent", pa.float64()),
        ("sample_values", pa.string()),
        ("note", pa.string()),
        ("row_count", pa.int64()),
        ("data_docs", pa.string()),
        ("validated_at", pa.timestamp("us")),
    ]
)
"""``success`` is NULL for skipped expectations and those that could not run
(``status`` = ``skipped`` | ``error``)."""


def history_dir(lake_dir: Path) -> Path:
    return lake_dir / "audit" / "validations"


def history_rows(outcome: SuiteOutcome, run_id: str) -> pa.Table:
    """The outcome as rows of :data:`HISTORY_SCHEMA`."""
    from datetime import date

    start = date.fromisoformat(outcome.partitions[0]) if outcome.partitions else None
    end = date.fromisoformat(outcome.partitions[-1]) if outcome.partitions else None
    rows = []
    for o in outcome.outcomes:
        rows.append(
            {
                "run_id": run_id,
                "partition_start": start,
                "partition_end": end,
                "partition": o.partition,
                "suite": outcome.suite,
                "asset_key": "/".join(outcome.asset_key),
                "expectation": o.expectation,
                "expectation_type": o.type,
                "column_name": o.column,
                "success": {"passed": True, "failed": False}.get(o.status),
                "status": o.status,
                "severity": o.severity,
                "observed_value": None
                if o.observed_value is None
                else json.dumps(o.observed_value, default=str, ensure_ascii=False),
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": o.unexpected_percent,
                "sample_values": json.dumps(list(o.sample_values), default=str, ensure_ascii=False)
                if o.sample_values
                else None,
                "note": o.note,
                "row_count": outcome.row_count,
                "data_docs": str(outcome.data_docs) if outcome.data_docs else None,
                "validated_at": outcome.validated_at,
            }
        )
    return pa.Table.from_pylist(rows, schema=HISTORY_SCHEMA)


def append_history(lake_dir: Path, outcome: SuiteOutcome, run_id: str) -> Path:
    """Write the outcome's rows as a new Parquet file (temp name, then ``os.replace``)."""
    folder = history_dir(lake_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = outcome.validated_at.strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}__{outcome.suite}__{run_id}.parquet"
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(history_rows(outcome, run_id), tmp)
    os.replace(tmp, path)
    return path
