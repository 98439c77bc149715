"""Test helpers: valid raw rows for any contract entity, written as raw Parquet partitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.contract import (
    ID_CARD_NO,
    MOBILE_NO,
    PERIOD_MONTH,
    QA_CRITERIA,
    Column,
    Entity,
)
from orchestration.lib.raw_schema import QUARANTINE_SCHEMA, partition_dir, raw_schema

_PATTERN_VALUES: dict[str, Callable[[int], str]] = {
    ID_CARD_NO: lambda i: f"{110101199001010000 + i:018d}",
    MOBILE_NO: lambda i: f"1{3800000000 + i:010d}",
    PERIOD_MONTH: lambda i: "2026-02",
}
_ID_VALUES: dict[str, Callable[[int], str]] = {
    "employee_id": lambda i: f"{100000 + i % 50:06d}",
    "agent_login": lambda i: f"{1000 + i % 50:04d}",
    "customer_id": lambda i: f"{1300000000 + i:010d}",
    "ani": lambda i: f"+86{13800000000 + i}",
}
"""Ids shared across entities (joins, reference sets); other ids are ``<column>-<i>``."""

OVERRIDES: dict[tuple[str, str], dict[str, Callable[[int], Any]]] = {
    ("telephony", "calls"): {"disposition": lambda i: "answered", "direction": lambda i: "inbound"},
    ("crm", "tickets"): {"is_complaint": lambda i: True},
    ("crm", "chat_sessions"): {"outcome": lambda i: "handled"},
    ("survey", "qa_forms"): {
        "form_version": lambda i: "v1",
        "criterion_code": lambda i: QA_CRITERIA[i % len(QA_CRITERIA)],
        "band_excellent_min": lambda i: 90.0,
        "band_good_min": lambda i: 80.0,
        "band_pass_min": lambda i: 60.0,
        "max_score": lambda i: 10.0,
        "weight": lambda i: 1.0,
    },
    ("survey", "qa_evaluations"): {
        "is_na": lambda i: False,
        "score": lambda i: 8.0,
        "form_version": lambda i: "v1",
        "criterion_code": lambda i: "greeting",
    },
    ("telephony", "queues"): {
        "sl_threshold_s": lambda i: 20,
        "short_abandon_s": lambda i: 5,
        "open_hour": lambda i: 8,
        "close_hour": lambda i: 22,
    },
    ("hr", "employees"): {"status": lambda i: "active"},
}


def _value(entity: Entity, column: Column, i: int, day: date, ts_rank: int) -> Any:
    override = OVERRIDES.get((entity.source, entity.name), {}).get(column.name)
    if override is not None:
        return override(i)
    if column.values:
        return column.values[0]
    if column.pattern:
        return _PATTERN_VALUES[column.pattern](i)
    if column.name in _ID_VALUES:
        key = column.name in entity.key and column.name == "employee_id"
        return f"{100000 + i:06d}" if key else _ID_VALUES[column.name](i)
    if column.type == "str":
        return f"{column.name}-{i}" if column.name in entity.key else f"{column.name}-x"
    if column.type == "int":
        return i + 1 if column.name in entity.key else int(column.min if column.min else 1)
    if column.type == "float":
        return float(column.min if column.min is not None else 1.0)
    if column.type == "bool":
        return True
    if column.type == "date":
        return day - timedelta(days=400) + timedelta(days=ts_rank)
    base = datetime.combine(day, datetime.min.time()) + timedelta(hours=2, seconds=i)
    return base + timedelta(seconds=30 * ts_rank)


def valid_rows(entity: Entity, n: int, day: date) -> list[dict[str, Any]]:
    """``n`` rows that satisfy the contract and the raw suite of ``entity``."""
    rows = []
    for i in range(n):
        row: dict[str, Any] = {}
        rank = 0
        for c in entity.columns:
            if c.type in ("ts", "date"):
                rank += 1
            row[c.name] = _value(entity, c, i, day, rank)
        rows.append(row)
    return rows


def write_partition(
    raw_dir: Path,
    entity: Entity,
    day: date,
    rows: list[dict[str, Any]],
    quarantined: list[str] = (),  # type: ignore[assignment]
) -> Path:
    """Write rows (contract columns) plus lineage columns as the raw partition of ``day``,
    and, as the loader does, its quarantine partition (``quarantined``: one reason per row) in
    ``quarantine/`` beside ``raw_dir``."""
    q_folder = partition_dir(raw_dir.parent / "quarantine", entity, day)
    q_folder.mkdir(parents=True, exist_ok=True)
    q_rows = [
        {
            "source": entity.source,
            "entity": entity.name,
            "business_date": day,
            "source_file": f"{entity.source}/{day}/{entity.file}",
            "line_no": len(rows) + 2 + i,
            "raw_line": "x",
            "reason": reason,
            "load_id": f"load-{day}",
        }
        for i, reason in enumerate(quarantined)
    ]
    quarantine = pa.Table.from_pylist(q_rows, schema=QUARANTINE_SCHEMA)
    pq.write_table(quarantine, q_folder / "data.parquet")
    full = [
        {
            **r,
            "_business_date": day,
            "_source_file": f"{entity.source}/{day}/{entity.file}",
            "_file_sha256": "0" * 64,
            "_manifest_generated_at": datetime.combine(day, datetime.min.time()),
            "_load_id": f"load-{day}",
            "_line_no": i + 2,
        }
        for i, r in enumerate(rows)
    ]
    folder = partition_dir(raw_dir, entity, day)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data.parquet"
    pq.write_table(pa.Table.from_pylist(full, schema=raw_schema(entity)), path)
    return path


def write_history(raw_dir: Path, entity: Entity, last_day: date, days: int, n: int) -> None:
    """``days`` partitions of ``n`` valid rows each, ending the day before ``last_day``."""
    for k in range(days, 0, -1):
        d = last_day - timedelta(days=k)
        write_partition(raw_dir, entity, d, valid_rows(entity, n, d))
