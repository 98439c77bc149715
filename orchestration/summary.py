"""The end-of-run summary ``csq run`` prints: rows per layer, quarantine, checks, where to look."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.contract import ENTITIES
from orchestration.settings import Settings

if TYPE_CHECKING:
    from orchestration.cli import RunOutcome


def _parquet_rows(con: duckdb.DuckDBPyConnection, glob: Path) -> int:
    if not any(glob.parent.parent.glob("*/" + glob.name)):
        return 0
    return con.execute(f"select count(*) from read_parquet('{glob}')").fetchone()[0]  # type: ignore[index]


def lake_counts(settings: Settings) -> dict[str, Any]:
    """Rows loaded and quarantined per raw entity, and rejected deliveries (latest attempt)."""
    con = duckdb.connect()
    raw, quarantined = {}, {}
    for e in ENTITIES:
        name = f"{e.source}.{e.name}"
        raw[name] = _parquet_rows(con, settings.raw_dir / e.source / e.name / "*" / "data.parquet")
        quarantined[name] = _parquet_rows(
            con, settings.quarantine_dir / e.source / e.name / "*" / "data.parquet"
        )
    rejected: list[dict[str, Any]] = []
    audit = settings.audit_dir / "load_audit"
    if any(audit.rglob("*.parquet")):
        rows = con.execute(
            f"""
            with latest as (
                select *, row_number() over (
                    partition by source, business_date order by loaded_at desc) as rn
                from read_parquet('{audit}/**/*.parquet', union_by_name = true)
            )
            select source, cast(business_date as varchar), source_file, message
            from latest where rn = 1 and status = 'rejected' order by 2, 1
            """
        ).fetchall()
        rejected = [dict(zip(["source", "date", "file", "message"], r, strict=True)) for r in rows]
    con.close()
    return {"raw": raw, "quarantined": quarantined, "rejected_deliveries": rejected}


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
    """Everything a data engineer wants to see after a run, as a JSON-able dict (also saved)."""
    lake = lake_counts(settings)
    warehouse = database_counts(settings.warehouse, ("staging", "intermediate", "core", "kpi"))
    published = database_counts(settings.published_db)
    failed_checks = [c for c in outcome.checks if not c["passed"]]
    summary = {
        "run": {k: str(v) for k, v in asdict(outcome).items() if k != "checks"},
        "rows": {
            "raw": sum(lake["raw"].values()),
            "quarantined": sum(lake["quarantined"].values()),
            **{
                layer: sum(n for t, n in warehouse.items() if t.startswith(layer + "."))
                for layer in ("staging", "intermediate", "core", "kpi")
            },
        },
        "raw_by_entity": lake["raw"],
        "quarantined_by_entity": {k: v for k, v in lake["quarantined"].items() if v},
        "rejected_deliveries": lake["rejected_deliveries"],
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
    if summary["quarantined_by_entity"]:
        print("-- quarantined rows (reason in lake/quarantine)")
        for name, n in summary["quarantined_by_entity"].items():
            print(f"   {name:<28} {n:>8,}")
    for r in summary["rejected_deliveries"]:
        print(f"-- REJECTED delivery {r['source']} {r['date']}: {r['message']}")
    checks = summary["checks"]
    print(f"-- quality checks: {checks['passed']} passed, {len(checks['failed'])} failed")
    for c in checks["failed"]:
        print(f"   FAILED [{c['severity']}] {c['asset']} :: {c['check']}")
        if c.get("description"):
            print(f"      {c['description']}")
    print("-- KPI marts")
    for table, n in summary["marts"].items():
        print(f"   {table:<40} {n:>10,}")
    print("-- where to look")
    for what, where in summary["where_to_look"].items():
        print(f"   {what:<16} {where}")
