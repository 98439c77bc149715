"""Write-audit-publish: build the BI file under a temporary name, then swap it into place.

The published DuckDB file holds the ``kpi_`` marts and the BI dimensions (no PII), the dbt
descriptions as comments, ``audit_validation_results`` (the GX history) and ``publish_log``.
It is built as ``marts.duckdb.tmp-<run>`` next to the target, fsynced, and ``os.replace``d over
the old file: readers holding the old file keep reading the old inode; a failure before the
swap leaves the published file untouched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.contract import ENTITIES
from orchestration.lib.gx_history import HISTORY_SCHEMA, history_dir

FORBIDDEN_COLUMNS = frozenset(
    c.name.lower() for e in ENTITIES for c in e.columns if c.pii or c.sensitive
)
"""Contract PII and sensitive column names: a published table carrying one is refused."""


STORAGE_VERSION = "v1.1.0"
"""The DuckDB storage format the published file is written in: readable by DuckDB 1.1 and
newer, which is what BI drivers bundle (Metabase's and Superset's DuckDB drivers lag the
engine; DuckDB 1.5 cannot read a file in 2.0's default format, storage version 69)."""
STORAGE_VERSION_NUMBER = 64
"""The number DuckDB writes in the file header for ``STORAGE_VERSION``."""


class PublishError(RuntimeError):
    """Publishing was refused or failed; the published file is unchanged."""


@dataclass(frozen=True)
class TableRef:
    """A warehouse table to publish (``schema.name``), published as ``main.name``."""

    schema: str
    name: str


@dataclass(frozen=True)
class PublishReport:
    path: Path
    row_counts: dict[str, int]
    published_at: datetime


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def manifest_descriptions(manifest: Path | None) -> dict[tuple[str, str], dict]:
    """``(schema, model) -> {"description": str, "columns": {col: str}}`` from dbt's manifest."""
    if manifest is None or not manifest.is_file():
        return {}
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    out = {}
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        cols = {n: (c.get("description") or "") for n, c in (node.get("columns") or {}).items()}
        key = (node.get("schema"), node.get("alias") or node.get("name"))
        out[key] = {"description": node.get("description") or "", "columns": cols}
    return out


def _check_pii(con: duckdb.DuckDBPyConnection, tables: Sequence[TableRef]) -> None:
    for t in tables:
        cols = con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = 'wh' and table_schema = ? and table_name = ?",
            [t.schema, t.name],
        ).fetchall()
        if not cols:
            raise PublishError(f"table {t.schema}.{t.name} not found in the warehouse")
        bad = sorted(c for (c,) in cols if c.lower() in FORBIDDEN_COLUMNS)
        if bad:
            raise PublishError(
                f"refusing to publish {t.schema}.{t.name}: column(s) {bad} match contract PII / "
                "sensitive columns"
            )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    warehouse: Path,
    target: Path,
    tables: Sequence[TableRef],
    *,
    run_id: str,
    lake_dir: Path,
    manifest: Path | None = None,
    pause: Callable[[str], None] = lambda point: None,
) -> PublishReport:
    """Copy ``tables`` from ``warehouse`` (attached read-only) into a new file, swap it in
    (``pause``: the fault-injection hook, called with ``publish.copied`` before the swap)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{run_id}")
    tmp.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    docs = manifest_descriptions(manifest)
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect()
        try:
            con.execute(f"attach {_lit(str(tmp))} as pub (storage_version {_lit(STORAGE_VERSION)})")
            con.execute("use pub")
            con.execute(f"attach {_lit(str(warehouse))} as wh (read_only)")
            _check_pii(con, tables)
            for t in tables:
                source = f"wh.{_q(t.schema)}.{_q(t.name)}"
                con.execute(f"create table main.{_q(t.name)} as select * from {source}")
                counts[t.name] = con.execute(f"select count(*) from main.{_q(t.name)}").fetchone()[
                    0
                ]
                _comment(con, t, docs.get((t.schema, t.name)))
            con.execute("detach wh")
            counts["audit_validation_results"] = _copy_history(con, lake_dir)
            _publish_log(con, target, run_id, published_at, counts)
            con.execute("checkpoint pub")
            con.execute("use memory")
            con.execute("detach pub")
        finally:
            con.close()
        pause("publish.copied")
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return PublishReport(target, counts, published_at)


def _comment(con: duckdb.DuckDBPyConnection, t: TableRef, doc: dict | None) -> None:
    if not doc:
        return
    if doc["description"]:
        con.execute(f"comment on table main.{_q(t.name)} is {_lit(doc['description'])}")
    present = {r[0] for r in con.execute(f"describe main.{_q(t.name)}").fetchall()}
    for column, text in doc["columns"].items():
        if text and column in present:
            con.execute(f"comment on column main.{_q(t.name)}.{_q(column)} is {_lit(text)}")


def _copy_history(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> int:
    folder = history_dir(lake_dir)
    columns = ", ".join(f"{_q(f.name)} {_duck_type(f.type)}" for f in HISTORY_SCHEMA)
    con.execute(f"create table audit_validation_results ({columns})")
    if any(folder.glob("*.parquet")):
        names = ", ".join(_q(f.name) for f in HISTORY_SCHEMA)
        con.execute(
            f"insert into audit_validation_results select {names} from "
            f"read_parquet({_lit(str(folder / '*.parquet'))}, union_by_name = true)"
        )
    con.execute(
        "comment on table audit_validation_results is "
        "'Every GX expectation result (lake/audit/validations/*.parquet) at publish time'"
    )
    return con.execute("select count(*) from audit_validation_results").fetchone()[0]


def _duck_type(arrow_type) -> str:
    return {
        "string": "VARCHAR",
        "date32[day]": "DATE",
        "bool": "BOOLEAN",
        "int64": "BIGINT",
        "double": "DOUBLE",
        "timestamp[us]": "TIMESTAMP",
    }[str(arrow_type)]


def _publish_log(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    run_id: str,
    published_at: datetime,
    counts: dict[str, int],
) -> None:
    """``publish_log``: earlier publications (from the current file) plus this one."""
    con.execute(
        "create table publish_log (run_id VARCHAR, published_at TIMESTAMP, "
        "table_name VARCHAR, row_count BIGINT)"
    )
    if target.exists():
        con.execute(f"attach {_lit(str(target))} as old (read_only)")
        has_log = con.execute(
            "select count(*) from information_schema.tables where table_catalog = 'old' "
            "and table_name = 'publish_log'"
        ).fetchone()[0]
        if has_log:
            con.execute("insert into publish_log select * from old.publish_log")
        con.execute("detach old")
    con.executemany(
        "insert into publish_log values (?, ?, ?, ?)",
        [(run_id, published_at, name, n) for name, n in counts.items()],
    )


def remove_publish_leftovers(target: Path) -> list[Path]:
    """Delete the temporary copies (and their ``.wal``) a killed publish left beside
    ``target``; call only while no publish runs (under the run lock)."""
    removed = sorted(target.parent.glob(f"{target.name}.tmp-*")) if target.parent.is_dir() else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
