"""Column schema, column lineage and row counts on the dbt assets' materialisations.

The dbt assets run in process (as ``csq run`` runs them) on a small generated and loaded lake;
the assertions read the metadata Dagster recorded and compare it with the warehouse and the
SQL. ``_build_column_lineage_metadata`` is a private dagster-dbt API: if an upgrade changes
it, the lineage assertions here fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dagster as dg
import duckdb
import pytest
from helpers.dagster_resources import run_resources

from orchestration.contract import LINEAGE_COLUMNS, SOURCES, entity
from orchestration.settings import Settings, get_settings

pytestmark = pytest.mark.integration

START, DAYS, AGENTS, SEED = date(2026, 3, 2), 2, 8, 5
QUEUE_DAILY = dg.AssetKey(["kpi", "kpi_queue_daily"])
CALL_SEGMENTS = dg.AssetKey(["core", "fct_call_segments"])
STG_CALLS = dg.AssetKey(["staging", "stg_telephony__calls"])
RAW_CALLS = dg.AssetKey(["raw", "telephony", "calls"])
SELECTION = dg.AssetSelection.assets(QUEUE_DAILY).upstream()
"""kpi_queue_daily and every dbt model it is built from (staging, intermediate, core)."""


@dataclass(frozen=True)
class Built:
    settings: Settings
    result: dg.ExecuteInProcessResult
    metadata: dict[dg.AssetKey, dict[str, Any]]
    """The recorded materialisation metadata of every dbt model and seed."""

    def deps(self, key: dg.AssetKey, column: str) -> set[tuple[str, str]]:
        lineage: dg.TableColumnLineage = self.metadata[key]["dagster/column_lineage"].value
        return {
            (d.asset_key.to_user_string(), d.column_name) for d in lineage.deps_by_column[column]
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from orchestration.defs.dbt import dbt_kpi_marts, dbt_resource, dbt_warehouse_models
    from orchestration.defs.ingest.loader import load_deliveries
    from synthetic.generator import generate

    home = tmp_path_factory.mktemp("lineage") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSQ_HOME", str(home))
        mp.setenv("CSQ_PII_SALT", "lineage-salt")
        mp.setenv("CSQ_DBT_TARGET", "ci")
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")  # no tests on models not built here
        for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "CSQ_LAKE_DIR", "DAGSTER_HOME"):
            mp.delenv(var, raising=False)
        get_settings.cache_clear()
        settings = get_settings()
        for name, value in settings.subprocess_env().items():
            mp.setenv(name, value)  # what definitions.py does for the dbt child process
        generate(settings.landing_dir, START, DAYS, agents=AGENTS, seed=SEED)
        days = [START + timedelta(days=i) for i in range(DAYS)]
        for source in SOURCES:
            assert not load_deliveries(settings, source, days, load_id="lineage").rejected
        result = dg.materialize(
            [dbt_warehouse_models, dbt_kpi_marts],
            resources={"dbt": dbt_resource(), **run_resources(settings)},
            partition_key=START.isoformat(),
            selection=SELECTION,  # both steps, kept small for speed
        )
        metadata = {
            e.asset_key: dict(e.materialization.metadata)
            for e in result.get_asset_materialization_events()
        }
        yield Built(settings, result, metadata)
    get_settings.cache_clear()


def _warehouse(built: Built) -> duckdb.DuckDBPyConnection:
    # read-write: this fails if the orchestrator process still held the file in another mode
    return duckdb.connect(str(built.settings.warehouse))


def test_every_built_model_has_schema_row_count_and_lineage(built: Built) -> None:
    assert built.result.success
    models = {k for k in built.metadata if k.path[0] != "seed"}
    assert {QUEUE_DAILY, CALL_SEGMENTS, STG_CALLS} <= models
    missing = {
        k.to_user_string() for k in models if "dagster/column_lineage" not in built.metadata[k]
    }
    assert not missing, f"no column lineage for {sorted(missing)}"
    with _warehouse(built) as con:
        for key, meta in built.metadata.items():
            count = con.execute(f'select count(*) from "{key.path[0]}"."{key.path[1]}"').fetchone()
            assert meta["dagster/row_count"].value == count[0], key
            built_columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                key.path,
            ).fetchall()
            schema: dg.TableSchema = meta["dagster/column_schema"].value
            assert [(c.name, c.type) for c in schema.columns] == built_columns, key
    assert built.metadata[QUEUE_DAILY]["dagster/row_count"].value > 0


def test_mart_schema_lists_its_documented_columns_with_types(built: Built) -> None:
    from orchestration.defs.dbt.project import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    documented = manifest["nodes"]["model.csq_warehouse.kpi_queue_daily"]["columns"]
    schema: dg.TableSchema = built.metadata[QUEUE_DAILY]["dagster/column_schema"].value
    assert [c.name for c in schema.columns] == list(documented)
    for column in schema.columns:
        declared = documented[column.name]["data_type"].lower()
        # contracts say `string` (both engines); DuckDB reports its own name for it
        assert column.type.lower() == {"string": "varchar"}.get(declared, declared), column.name
        assert column.description, column.name
    answered = next(c for c in schema.columns if c.name == "answered")
    assert answered.description == "Offered segments answered by an agent."


def test_mart_columns_trace_to_the_core_fact(built: Built) -> None:
    fact = CALL_SEGMENTS.to_user_string()
    assert built.deps(QUEUE_DAILY, "answered") == {(fact, "is_answered")}
    assert built.deps(QUEUE_DAILY, "queue_id") == {(fact, "queue_id")}
    assert built.deps(QUEUE_DAILY, "date") == {(fact, "contact_date")}
    # a rate depends on its numerator's and denominator's fact columns
    assert built.deps(QUEUE_DAILY, "sl_answered_only") >= {
        (fact, "is_answered"),
        (fact, "is_answered_within_t"),
    }


def test_staging_columns_trace_to_the_raw_source_columns(built: Built) -> None:
    raw = RAW_CALLS.to_user_string()
    assert built.deps(STG_CALLS, "call_id") == {(raw, "call_id")}
    assert built.deps(STG_CALLS, "_business_date") == {(raw, "_business_date")}
    # every raw column the stage keeps is lineage to a column of the raw Parquet schema
    raw_columns = {c.name for c in (*entity("telephony", "calls").columns, *LINEAGE_COLUMNS)}
    lineage: dg.TableColumnLineage = built.metadata[STG_CALLS]["dagster/column_lineage"].value
    for column, deps in lineage.deps_by_column.items():
        for dep in deps:
            assert dep.asset_key == RAW_CALLS and dep.column_name in raw_columns, (column, dep)


def test_metadata_failure_never_fails_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from orchestration.defs.dbt.column_metadata import add_column_metadata
    from orchestration.defs.dbt.translator import CsqDbtTranslator

    output = dg.Output(None, "x", metadata={"unique_id": "model.csq_warehouse.kpi_queue_daily"})
    manifest = {"nodes": {"model.csq_warehouse.kpi_queue_daily": {"config": {}}}, "sources": {}}
    exited = SimpleNamespace(
        process=SimpleNamespace(poll=lambda: 0),
        target_path=tmp_path,
        manifest=manifest,
        project=None,
    )
    not_a_database = tmp_path / "warehouse.duckdb"
    not_a_database.write_text("not a DuckDB file")
    events = add_column_metadata(
        [output], invocation=exited, warehouse=not_a_database, translator=CsqDbtTranslator()
    )
    assert events == [output]
    assert "column metadata skipped" in caplog.text and "still running" not in caplog.text
    running = SimpleNamespace(**{**vars(exited), "process": SimpleNamespace(poll=lambda: None)})
    events = add_column_metadata(
        [output], invocation=running, warehouse=not_a_database, translator=CsqDbtTranslator()
    )
    assert events == [output]
    assert "dbt is still running" in caplog.text


def test_build_caches_each_models_lineage_by_parent_unique_id(built: Built) -> None:
    from orchestration.defs.dbt.assets import LINEAGE_CACHE
    from orchestration.defs.dbt.lineage_cache import LineageCache

    cache = LineageCache(built.settings.home / LINEAGE_CACHE)
    models = [k for k in built.metadata if k.path[0] != "seed"]
    assert len(cache.entries) == len(models)
    stored = [e for e in cache.entries.values() if e.get("answered") and "queue_id" in e]
    answered = {tuple(dep) for e in stored for dep in e["answered"]}
    assert ("model.csq_warehouse.fct_call_segments", "is_answered") in answered


def test_lineage_cache_round_trip_and_key() -> None:
    from orchestration.defs.dbt.lineage_cache import LineageCache, cache_key

    parents = {'"w"."core"."f"': {"a": {"data_type": "BIGINT"}}}
    sql = 'select a from "w"."core"."f" where d >= cast(\'2026-03-02\' as date)'
    key = cache_key(sql, parents, {"a": {}})
    assert key == cache_key(sql.replace("2026-03-02", "2026-04-30"), parents, {"a": {}})
    assert key != cache_key(sql.replace("select a", "select a as b"), parents, {"a": {}})
    assert key != cache_key(sql, {**parents, '"w"."core"."g"': {}}, {"a": {}})
    fact = dg.AssetKey(["core", "f"])
    lineage = dg.TableColumnLineage(deps_by_column={"a": [dg.TableColumnDep(fact, "a")]})
    cache = LineageCache(None)
    cache.put(key, lineage, {fact: "model.p.f"})
    renamed = dg.AssetKey(["core_v2", "f"])
    got = cache.get(key, lambda uid: renamed if uid == "model.p.f" else dg.AssetKey("x"))
    assert got == dg.TableColumnLineage(deps_by_column={"a": [dg.TableColumnDep(renamed, "a")]})
    assert cache.get("other", lambda uid: fact) is None
    unknown = dg.TableColumnLineage(deps_by_column={"a": [dg.TableColumnDep(renamed, "a")]})
    cache.put("k2", unknown, {fact: "model.p.f"})  # a dep outside the parents: not stored
    assert "k2" not in cache.entries


def test_lineage_cache_file_survives_damage(tmp_path: Path) -> None:
    from orchestration.defs.dbt.lineage_cache import LineageCache

    path = tmp_path / "cache" / "lineage.json"
    cache = LineageCache(path)
    fact = dg.AssetKey(["core", "f"])
    lineage = dg.TableColumnLineage(deps_by_column={"a": [dg.TableColumnDep(fact, "b")]})
    cache.put("k", lineage, {fact: "model.p.f"})
    cache.save()
    assert LineageCache(path).get("k", lambda uid: fact) == lineage
    path.write_text("{not json")
    assert LineageCache(path).entries == {}
