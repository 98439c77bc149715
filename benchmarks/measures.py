"""What a run leaves on disk: rows per layer and bytes per storage area."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.summary import database_counts

WAREHOUSE_LAYERS: tuple[str, ...] = ("staging", "intermediate", "core", "kpi")


def dir_bytes(path: Path) -> int:
    """Bytes of every file under ``path`` (0 if it does not exist)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def file_bytes(path: Path) -> int:
    """Bytes of a DuckDB file and its write-ahead log."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def storage_bytes(settings: Settings) -> dict[str, int]:
    """Bytes on disk of the landing folder, the raw layer, the whole lake, the warehouse, the
    published marts and the Dagster run history."""
    return {
        "landing": dir_bytes(settings.landing_dir),
        "raw_layer": dir_bytes(settings.raw_dir),
        "lake_total": dir_bytes(settings.lake_dir),
        "warehouse": file_bytes(settings.warehouse),
        "published": dir_bytes(settings.published_dir),
        "dagster_home": dir_bytes(settings.dagster_home),
    }


def landing_rows(landing: Path, dates: Iterable[date] | None = None) -> int:
    """Data rows the delivery manifests in ``landing`` announce (all dates, or ``dates``)."""
    wanted = {d.isoformat() for d in dates} if dates is not None else None
    total = 0
    for manifest in landing.glob("*/*/_manifest.json"):
        if wanted is not None and manifest.parent.name not in wanted:
            continue
        total += sum(f["rows"] for f in json.loads(manifest.read_text(encoding="utf-8"))["files"])
    return total


def raw_rows(raw_dir: Path, dates: Iterable[date]) -> int:
    """Rows in the raw Parquet partitions of ``dates`` (every source and entity)."""
    files = [
        str(f) for d in dates for f in raw_dir.glob(f"*/*/business_date={d.isoformat()}/*.parquet")
    ]
    if not files:
        return 0
    con = duckdb.connect()
    try:
        (n,) = con.execute("select count(*) from read_parquet(?)", [files]).fetchone()  # type: ignore[misc]
        return int(n)
    finally:
        con.close()


def warehouse_rows(settings: Settings) -> dict[str, int]:
    """Rows per warehouse layer (``staging``, ``intermediate``, ``core``, ``kpi``)."""
    counts = database_counts(settings.warehouse, WAREHOUSE_LAYERS)
    return {
        layer: sum(n for table, n in counts.items() if table.startswith(layer + "."))
        for layer in WAREHOUSE_LAYERS
    }


def warehouse_tables(settings: Settings) -> dict[str, int]:
    """``schema.table -> rows`` of the warehouse layers (to compare with the engine floor)."""
    return database_counts(settings.warehouse, WAREHOUSE_LAYERS)


def published_rows(settings: Settings) -> int:
    """Rows in every table of the published marts file."""
    return sum(database_counts(settings.published_db).values())
