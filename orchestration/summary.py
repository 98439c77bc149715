"""The end-of-run summary ``csq run`` prints: rows per layer, quarantine per entity, checks,
where to look."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from orchestration.contract import ENTITIES
from orchestration.lib.gx_runtime import partition_files
from orchestration.settings import Settings

TOP_REASONS = 3


@dataclass
class RunOutcome:
    """What ``csq run`` reports."""

    success: bool
    run_id: str
    start: date
    end: date
    checks: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    ignored: list[str] = field(default_factory=list)
    """Landing-folder entries that are not deliveries of the run's window, with the reason."""
    log_file: Path | None = None
    """The run's full log (quiet runs)."""


def entity_quarantine(settings: Settings, start: date, end: date) -> dict[str, dict[str, Any]]:
    """Per raw entity, over the partitions of ``[start, end]``: rows loaded and quarantined,
    the quarantined share of the delivered rows and the top reasons (from the Parquet files
    the run left: footers for the counts, the reason column of the quarantine)."""
    out: dict[str, dict[str, Any]] = {}
    for e in ENTITIES:
        raw = partition_files(settings.raw_dir, e.source, e.name)
        quarantine = partition_files(settings.quarantine_dir, e.source, e.name)
        in_run = [p for d, p in raw.items() if start <= d <= end]
        loaded = sum(pq.ParquetFile(p).metadata.num_rows for p in in_run)
        reasons: Counter[str] = Counter()
        for d, path in quarantine.items():
            if start <= d <= end:
                reasons.update(pq.read_table(path, columns=["reason"]).column("reason").to_pylist())
        quarantined = sum(reasons.values())
        delivered = loaded + quarantined
        out[f"{e.source}.{e.name}"] = {
            "loaded": loaded,
            "quarantined": quarantined,
            "quarantined_share": quarantined / delivered if delivered else 0.0,
            "top_reasons": dict(reasons.most_common(TOP_REASONS)),
        }
    return out


def rejected_deliveries(settings: Settings, start: date, end: date) -> list[dict[str, Any]]:
    """Deliveries of ``[start, end]`` whose latest load attempt was a rejection."""
    audit = settings.audit_dir / "load_audit"
    if not any(audit.rglob("*.parquet")):
        return []
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"""
            with latest as (
                select *, dense_rank() over (
                    partition by source, business_date order by loaded_at desc) as rn
                from read_parquet('{audit}/**/*.parquet', union_by_name = true)
            )
            select source, cast(business_date as varchar), source_file, message
            from latest
            where rn = 1 and status = 'rejected' and business_date between ? and ?
            order by 2, 1, 3
            """,
            [start, end],
        ).fetchall()
    finally:
        con.close()
    return [dict(zip(["source", "date", "file", "message"], r, strict=True)) for r in rows]


def database_counts(path: Path, schemas: tuple[str, ...] | None = None) -> dict[str, int]:
    """``schema.table -> rows`` of a DuckDB file, opened read-only and closed at once."""
    if not path.exists():
        return {}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:  # another process (e.g. an orphaned dbt) holds the lock
        print(f"(cannot read {path} for the summary: {exc})")
        return {}
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            if schemas and schema not in schemas:
                continue
            (n,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()  # type: ignore[misc]
            counts[f"{schema}.{table}"] = n
        return counts
    finally:
        con.close()


def run_summary(settings: Settings, outcome: RunOutcome) -> dict[str, Any]:
    """Everything a data engineer wants to see after a run, as a JSON-able dict (also saved).
    Raw and quarantine counts cover the run's partitions; warehouse counts are whole tables."""
    by_entity = entity_quarantine(settings, outcome.start, outcome.end)
    warehouse = database_counts(settings.warehouse, ("staging", "intermediate", "core", "kpi"))
    published = database_counts(settings.published_db)
    failed_checks = [c for c in outcome.checks if not c["passed"]]
    summary = {
        "run": {k: str(v) for k, v in asdict(outcome).items() if k not in ("checks", "ignored")},
        "ignored_in_landing": outcome.ignored,
        "rows": {
            "raw": sum(e["loaded"] for e in by_entity.values()),
            "quarantined": sum(e["quarantined"] for e in by_entity.values()),
            **{
                layer: sum(n for t, n in warehouse.items() if t.startswith(layer + "."))
                for layer in ("staging", "intermediate", "core", "kpi")
            },
        },
        "raw_by_entity": by_entity,
        "rejected_deliveries": rejected_deliveries(settings, outcome.start, outcome.end),
        "marts": {t: n for t, n in warehouse.items() if t.startswith("kpi.")},
        "checks": {
            "evaluated": len(outcome.checks),
            "passed": len(outcome.checks) - len(failed_checks),
            "failed": failed_checks,
        },
        "published": {"file": str(settings.published_db), "tables": published},
        "where_to_look": {
            "published_marts": str(settings.published_db),
            "warehouse": str(settings.warehouse),
            "raw_layer": str(settings.raw_dir),
            "quarantine": str(settings.quarantine_dir),
            "data_docs": str(settings.reports_dir / "data_docs" / "index.html"),
            "dagster_ui": "make dev  ->  http://127.0.0.1:3000",
            "docs": f"csq docs  ->  http://{settings.docs_host}:{settings.docs_port}/",
            **({"run_log": str(outcome.log_file)} if outcome.log_file else {}),
        },
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "last_run_summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    """A short human-readable rendering of :func:`run_summary`."""
    run = summary["run"]
    status = "SUCCEEDED" if run["success"] == "True" else "FAILED"
    print(f"\n== csq run {status}: {run['start']} .. {run['end']} (run id {run['run_id']})")
    if run.get("failure") and run["failure"] != "None":
        print(f"   failure:\n{run['failure']}")
    print("-- rows per layer")
    for layer, n in summary["rows"].items():
        print(f"   {layer:<13} {n:>12,}")
    print("-- raw entities (run partitions): loaded, quarantined, share, top reasons")
    for name, e in summary["raw_by_entity"].items():
        reasons = ", ".join(f"{r} {n:,}" for r, n in e["top_reasons"].items())
        print(
            f"   {name:<26} {e['loaded']:>11,} {e['quarantined']:>9,} "
            f"{e['quarantined_share']:>8.2%}" + (f"  {reasons}" if reasons else "")
        )
    if summary["ignored_in_landing"]:
        print("-- ignored in the landing folder (never loaded, never part of a run)")
        for item in summary["ignored_in_landing"]:
            print(f"   {item}")
    for r in summary["rejected_deliveries"]:
        print(f"-- REJECTED delivery {r['source']} {r['date']}: {r['message']}")
    checks = summary["checks"]
    print(f"-- quality checks: {checks['passed']} passed, {len(checks['failed'])} failed")
    for c in checks["failed"]:
        days = c.get("failed_partitions") or []
        where = f" (partition(s) {', '.join(days[:5])}{' ...' if len(days) > 5 else ''})"
        print(f"   FAILED [{c['severity']}] {c['asset']} :: {c['check']}{where if days else ''}")
        if c.get("description"):
            print(f"      {c['description']}")
    print("-- KPI marts")
    for table, n in summary["marts"].items():
        print(f"   {table:<40} {n:>10,}")
    print("-- where to look")
    for what, where in summary["where_to_look"].items():
        print(f"   {what:<16} {where}")
