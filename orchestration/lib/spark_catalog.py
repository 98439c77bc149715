"""The Spark engine's tables, seen from DuckDB.

dbt-spark writes each model as a Parquet table, ``$CSQ_SPARK_DIR/warehouse/<schema>.db/<table>/``.
:func:`refresh_views` makes ``warehouse.duckdb`` hold one view per table over those files
(``<schema>.<table>``, the names the DuckDB engine gives its tables), so what reads the
warehouse after dbt (the quality gate, publish, ``csq sql --db``) is the same code on both
engines: the checks are pushed down as DuckDB SQL over Spark's output.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import Settings

SCHEMAS = ("seeds", "staging", "intermediate", "core", "kpi")
"""dbt's schemas (``dbt_project.yml``); ``raw`` is the lake itself."""


def spark_tables(settings: Settings) -> dict[tuple[str, str], Path]:
    """``(schema, table) -> folder`` of every table Spark has written, of dbt's schemas."""
    root = settings.spark_dir / "warehouse"
    found: dict[tuple[str, str], Path] = {}
    for schema in SCHEMAS:
        for folder in sorted((root / f"{schema}.db").glob("*/")):
            if any(folder.glob("*.parquet")):
                found[(schema, folder.name)] = folder
    return found


def parquet_scan(folder: Path) -> str:
    """DuckDB's scan of one Spark table folder (its part files; ``_SUCCESS`` is skipped)."""
    return f"read_parquet('{folder.as_posix()}/*.parquet')"


def refresh_views(settings: Settings) -> int:
    """(Re)create ``<schema>.<table>`` views in ``warehouse.duckdb`` over Spark's tables;
    the number of views. Views of tables Spark no longer has are dropped."""
    tables = spark_tables(settings)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("begin")
        stale = con.execute(
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        for schema, view in stale:
            if (schema, view) not in tables:
                con.execute(f'drop view "{schema}"."{view}"')
        for (schema, table), folder in tables.items():
            con.execute(f'create schema if not exists "{schema}"')
            scan = parquet_scan(folder)
            con.execute(f'create or replace view "{schema}"."{table}" as select * from {scan}')
        con.execute("commit")
    return len(tables)
