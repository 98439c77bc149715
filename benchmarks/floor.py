"""The engine floor: the project's dbt SQL executed directly in one DuckDB process.

``dbt compile --full-refresh`` renders every model (incremental ones as their full-refresh
SQL) into a manifest; :func:`execute` then runs ``create or replace table <relation> as
<compiled sql>`` for seeds and models in the manifest's DAG order in a fresh DuckDB file, with
the ``csq_pseudonymise`` macro defined, and nothing else (no Dagster, no dbt, no tests, no
checks). Run as ``python -m benchmarks.floor <manifest> <db dir> <result json>``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
_EXECUTED = ("model", "seed")


def compile_project(env: dict[str, str], target_path: Path, log_path: Path) -> Path:
    """``dbt compile --full-refresh`` of every model into ``target_path``; the manifest path.

    ``env`` must point ``CSQ_LAKE_DIR`` at the raw layer the floor reads and
    ``CSQ_WAREHOUSE`` at a scratch DuckDB file (compile only looks up relations there).
    """
    Path(env["CSQ_WAREHOUSE"]).parent.mkdir(parents=True, exist_ok=True)
    dbt = str(Path(sys.executable).parent / "dbt")
    cmd = [dbt, "compile", "--full-refresh", "--quiet", "--select", "resource_type:model"]
    cmd += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(target_path), "--log-path", str(log_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise RuntimeError(f"dbt compile failed ({done.returncode}):\n" + "\n".join(output[-30:]))
    return target_path / "manifest.json"


def build_order(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Enabled seeds and non-ephemeral models, each after everything it depends on."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in _EXECUTED
        and node["config"].get("enabled", True)
        and node["config"].get("materialized") != "ephemeral"
    }
    graph = {
        uid: [d for d in node.get("depends_on", {}).get("nodes", []) if d in nodes]
        for uid, node in nodes.items()
    }
    return [nodes[uid] for uid in TopologicalSorter(graph).static_order()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def statement(node: dict[str, Any]) -> str:
    """The one SQL statement that materialises ``node`` (CTAS, or a view for views)."""
    relation = node["relation_name"]
    if node["resource_type"] == "seed":
        path = Path(node["root_path"]) / node["original_file_path"]
        types = node["config"].get("column_types") or {}
        struct = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
        delim = node["config"].get("delimiter") or ","
        return (
            f"create or replace table {relation} as select * from read_csv('{path}', "
            f"header = true, delim = '{delim}', types = {{{struct}}})"
        )
    sql = node.get("compiled_code")
    if not sql:
        raise RuntimeError(f"{node['unique_id']}: no compiled SQL in the manifest (compile first)")
    kind = "view" if node["config"].get("materialized") == "view" else "table"
    return f"create or replace {kind} {relation} as (\n{sql}\n)"


def execute(manifest_path: Path, db_dir: Path, salt: str) -> dict[str, Any]:
    """Run every seed and model of ``manifest_path`` in a fresh DuckDB file under ``db_dir``
    (named after the manifest's database so the compiled relation names resolve)."""
    import duckdb

    from orchestration.lib.pseudonymise import duckdb_macro_sql

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    order = build_order(manifest)
    databases = {node["database"] for node in order}
    if len(databases) != 1:
        raise RuntimeError(f"expected one database in {manifest_path}, found {databases}")
    db_dir.mkdir(parents=True, exist_ok=True)
    db_file = db_dir / f"{databases.pop()}.duckdb"
    db_file.unlink(missing_ok=True)
    began = time.perf_counter()
    con = duckdb.connect(str(db_file))
    con.execute(duckdb_macro_sql(salt))
    for schema in sorted({node["schema"] for node in order}):
        con.execute(f"create schema if not exists {_quote(schema)}")
    per_node: dict[str, float] = {}
    rows: dict[str, int] = {}
    for node in order:
        t0 = time.perf_counter()
        try:
            con.execute(statement(node))
        except duckdb.Error as exc:
            raise RuntimeError(f"engine floor: {node['unique_id']} failed: {exc}") from exc
        per_node[node["unique_id"]] = round(time.perf_counter() - t0, 4)
    sql_s = time.perf_counter() - began
    for node in order:
        (n,) = con.execute(f"select count(*) from {node['relation_name']}").fetchone()  # type: ignore[misc]
        rows[f"{node['schema']}.{node['alias']}"] = n
    con.close()
    return {
        "sql_s": round(sql_s, 3),
        "nodes": len(order),
        "node_s": per_node,
        "rows": rows,
        "db_file": str(db_file),
        "db_bytes": db_file.stat().st_size,
    }


def main(argv: list[str]) -> int:
    from orchestration.settings import load_settings

    manifest, db_dir, result = (Path(a) for a in argv)
    outcome = execute(manifest, db_dir, load_settings().pii_salt)
    result.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
    print(f"engine floor: {outcome['nodes']} nodes in {outcome['sql_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
