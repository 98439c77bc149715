"""Column schema, column lineage and row counts for the dbt models a build materialised.

dagster-dbt's ``fetch_column_metadata()`` / ``fetch_row_counts()`` query the warehouse through
the dbt adapter *while* the dbt process runs, which DuckDB's single-writer lock forbids. Here the
same metadata is computed once the dbt process has exited: one short-lived read-only connection
reads ``information_schema.columns`` (and ``count(*)`` of the built tables), then closes; the
column lineage comes from dagster-dbt's own sqlglot builder over the compiled SQL.

dbt-duckdb renders a source as ``read_parquet('<lake>/raw/...')``, which sqlglot cannot name
as a table. For lineage only, the compiled SQL is copied with each source replaced by a stand-in
table ``"csq_raw_lake"."<source>"."<entity>"`` whose columns are the raw Parquet schema
(``orchestration.lib.raw_schema``), so staging columns trace back to the raw asset's columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pyarrow as pa

# Private dagster-dbt API (pinned by tests/test_dbt_column_lineage.py): the builder that
# dagster-dbt's own fetch_column_metadata() uses.
from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata
from dagster_dbt.dagster_dbt_translator import DagsterDbtTranslator

from orchestration.contract import entity
from orchestration.defs.dbt.lineage_cache import LineageCache, cache_key
from orchestration.lib.raw_schema import raw_schema

SOURCE_CATALOG = "csq_raw_lake"
"""Catalog of the stand-in tables that name the raw sources in the lineage SQL."""
LINEAGE_SQL_DIR = "csq_column_lineage"
"""Folder (inside the invocation's target path) holding the rewritten compiled SQL."""

DUCKDB_TYPES: dict[pa.DataType, str] = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
}
"""How DuckDB reads the raw Parquet types (``read_parquet``)."""

COLUMN_SCHEMA, ROW_COUNT = "dagster/column_schema", "dagster/row_count"
COLUMN_LINEAGE = "dagster/column_lineage"
"""Dagster's standard table metadata keys (those of ``TableMetadataSet``)."""

RelationKey = tuple[str, str]
"""``(schema, table)``, lower case: how a relation is found in ``information_schema``."""

logger = dg.get_dagster_logger()


@dataclass(frozen=True)
class WarehouseFacts:
    """What one read-only look at the warehouse found."""

    columns: dict[RelationKey, dict[str, str]]
    """Columns (name -> DuckDB type, in table order) of every relation."""
    row_counts: dict[RelationKey, int]
    """``count(*)`` of the requested tables."""


def relation_key(node: Mapping[str, Any]) -> RelationKey:
    """Where a dbt model or seed lives in the warehouse."""
    return (node["schema"].lower(), (node.get("alias") or node["name"]).lower())


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_warehouse_facts(warehouse: Path, count_tables: Iterable[RelationKey]) -> WarehouseFacts:
    """Open ``warehouse`` read-only once: every relation's columns, and row counts of
    ``count_tables`` (those that exist). The connection is closed before returning."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns where table_catalog = current_database()"
            " order by table_schema, table_name, ordinal_position"
        ).fetchall()
        columns: dict[RelationKey, dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            columns.setdefault((schema.lower(), table.lower()), {})[column] = data_type
        counts = {}
        for schema, table in dict.fromkeys(count_tables):
            if (schema, table) in columns:
                sql = f"select count(*) from {_quote(schema)}.{_quote(table)}"
                counts[(schema, table)] = con.execute(sql).fetchone()[0]
        return WarehouseFacts(columns, counts)
    finally:
        con.close()


def source_stand_in(source: Mapping[str, Any]) -> str:
    """The table name that stands for a dbt source in the lineage SQL."""
    return ".".join(_quote(p) for p in (SOURCE_CATALOG, source["source_name"], source["name"]))


def source_columns(source: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The raw Parquet columns of a dbt source (contract columns, then lineage columns)."""
    schema = raw_schema(entity(source["source_name"], source["name"]))
    return {f.name: {"data_type": DUCKDB_TYPES.get(f.type, str(f.type))} for f in schema}


def lineage_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``manifest`` whose sources are named by their stand-in tables."""
    sources = {
        uid: {**props, "relation_name": source_stand_in(props)}
        for uid, props in manifest["sources"].items()
    }
    return {**manifest, "sources": sources}


def _column_types(columns: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"data_type": data_type} for name, data_type in columns.items()}


def column_schema(node: Mapping[str, Any], columns: Mapping[str, str]) -> dg.TableSchema:
    """The relation's columns as built, with the descriptions (and tags) documented in dbt."""
    documented = {name.lower(): info for name, info in node.get("columns", {}).items()}
    table_columns = []
    for name, data_type in columns.items():
        info = documented.get(name.lower(), {})
        table_columns.append(
            dg.TableColumn(
                name=name,
                type=data_type,
                description=info.get("description") or None,
                tags={tag: "" for tag in info.get("tags", [])},
            )
        )
    return dg.TableSchema(columns=table_columns)


@dataclass(frozen=True)
class LineageInputs:
    """What the column-lineage builder needs besides the node itself."""

    manifest: Mapping[str, Any]
    """The run's manifest (matches the compiled SQL)."""
    facts: WarehouseFacts
    target_path: Path
    translator: DagsterDbtTranslator
    project: Any
    cache: LineageCache

    @cached_property
    def lineage_manifest(self) -> dict[str, Any]:
        return lineage_manifest(self.manifest)

    def asset_key(self, unique_id: str) -> dg.AssetKey:
        return self.translator.get_asset_spec(self.lineage_manifest, unique_id, self.project).key


def write_lineage_sql(
    node: Mapping[str, Any], manifest: Mapping[str, Any], target_path: Path, out: Path
) -> str:
    """Copy ``node``'s compiled SQL from ``target_path`` to ``out`` (same layout), with every
    source it reads replaced by its stand-in table; return the rewritten SQL."""
    relative = Path("compiled", node["package_name"], node["original_file_path"])
    sql = (target_path / relative).read_text()
    for parent in node["depends_on"]["nodes"]:
        if parent.startswith("source."):
            source = manifest["sources"][parent]
            sql = sql.replace(source["relation_name"], source_stand_in(source))
    (out / relative).parent.mkdir(parents=True, exist_ok=True)
    (out / relative).write_text(sql)
    return sql


def column_lineage(node: dict[str, Any], inputs: LineageInputs) -> dg.TableColumnLineage:
    """Each column's upstream (asset, column) pairs, from sqlglot over the compiled SQL and
    the parents' column types (cached by both: see ``lineage_cache``)."""
    manifest = inputs.manifest
    parents: dict[str, dict[str, dict[str, str]]] = {}
    for parent in node["depends_on"]["nodes"]:
        if parent.startswith("source."):
            source = manifest["sources"][parent]
            parents[source_stand_in(source)] = source_columns(source)
            continue
        props = manifest["nodes"][parent]
        built = inputs.facts.columns.get(relation_key(props))
        if props.get("relation_name") and built is not None:
            parents[props["relation_name"]] = _column_types(built)
    sql_root = inputs.target_path / LINEAGE_SQL_DIR
    sql = write_lineage_sql(node, manifest, inputs.target_path, sql_root)
    own = _column_types(inputs.facts.columns[relation_key(node)])
    key = cache_key(sql, parents, own)
    cached = inputs.cache.get(key, inputs.asset_key)
    if cached is not None:
        return cached
    built_lineage = _build_column_lineage_metadata(
        event_history_metadata=EventHistoryMetadata(columns=own, parents=parents),
        dbt_resource_props=node,
        manifest=inputs.lineage_manifest,
        dagster_dbt_translator=inputs.translator,
        target_path=sql_root,
        project=inputs.project,
    )[COLUMN_LINEAGE]
    parent_ids = {inputs.asset_key(uid): uid for uid in node["depends_on"]["nodes"]}
    inputs.cache.put(key, built_lineage, parent_ids)
    return built_lineage


def model_metadata(
    node: dict[str, Any], inputs: LineageInputs, *, lineage: bool = True
) -> dict[str, Any]:
    """Column schema, row count and (``lineage``) column lineage of one built model or seed.
    A part that cannot be computed is left out with a warning."""
    key = relation_key(node)
    columns = inputs.facts.columns.get(key)
    if columns is None:
        logger.warning(f"{node['unique_id']}: relation {key} not found in the warehouse")
        return {}
    metadata: dict[str, Any] = {
        COLUMN_SCHEMA: dg.MetadataValue.table_schema(column_schema(node, columns))
    }
    if key in inputs.facts.row_counts:
        metadata[ROW_COUNT] = dg.MetadataValue.int(inputs.facts.row_counts[key])
    if lineage and node["resource_type"] == "model":
        try:
            metadata[COLUMN_LINEAGE] = column_lineage(node, inputs)
        except Exception as exc:  # metadata must never fail the build
            logger.warning(f"{node['unique_id']}: no column lineage ({type(exc).__name__}: {exc})")
    return metadata


def _unique_id(event: Any) -> str | None:
    if not isinstance(event, dg.Output | dg.AssetMaterialization):
        return None
    value = (event.metadata or {}).get("unique_id")
    return getattr(value, "text", value)


def _run_manifest(target_path: Path, fallback: Mapping[str, Any]) -> Mapping[str, Any]:
    """The manifest dbt wrote for this invocation (its source locations match the compiled
    SQL); the definition-time manifest if there is none."""
    path = target_path / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else fallback


def add_column_metadata(
    events: Sequence[Any],
    *,
    invocation: Any,
    warehouse: Path,
    translator: DagsterDbtTranslator,
    cache_path: Path | None = None,
    lineage: bool = True,
) -> list[Any]:
    """``events`` with column schema, row count and (``lineage``) column lineage added to
    every model or seed Output (lineage cached in ``cache_path``). Call only after the dbt
    process has exited. Never raises: on any failure it logs a warning and returns the
    events unchanged."""
    events = list(events)
    try:
        if invocation.process.poll() is None:
            logger.warning("dbt is still running: column metadata skipped (warehouse locked)")
            return events
        manifest = _run_manifest(Path(invocation.target_path), invocation.manifest)
        nodes = {uid: manifest["nodes"].get(uid) for uid in map(_unique_id, events) if uid}
        nodes = {uid: node for uid, node in nodes.items() if node is not None}
        if not nodes:
            return events
        tables = [
            relation_key(n) for n in nodes.values() if n["config"].get("materialized") != "view"
        ]
        facts = read_warehouse_facts(warehouse, tables)  # closed again before any yield
        target_path = Path(invocation.target_path)
        cache = LineageCache(cache_path)
        inputs = LineageInputs(manifest, facts, target_path, translator, invocation.project, cache)
    except Exception as exc:  # metadata must never fail the build
        logger.warning(f"column metadata skipped ({type(exc).__name__}: {exc})")
        return events
    enriched = []
    for event in events:
        uid = _unique_id(event)
        if uid in nodes:
            try:
                extra = model_metadata(nodes[uid], inputs, lineage=lineage)
                event = event.with_metadata({**event.metadata, **extra})
            except Exception as exc:  # metadata must never fail the build
                logger.warning(f"{uid}: column metadata skipped ({type(exc).__name__}: {exc})")
        enriched.append(event)
    try:
        cache.save()
    except OSError as exc:
        logger.warning(f"column lineage cache not saved ({exc})")
    return enriched
