"""The code location loads, and its asset graph is one continuous lineage raw -> kpi -> publish."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest

from orchestration.contract import ENTITIES


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs: dg.Definitions):
    return defs.resolve_asset_graph()


def _keys(graph, first: str) -> set[dg.AssetKey]:
    return {k for k in graph.get_all_asset_keys() if k.path[0] == first}


def test_pipeline_job_and_automation_load(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("csq_pipeline")
    assert job.partitions_def is not None
    sensor = defs.resolve_sensor_def("new_deliveries_sensor")
    assert sensor.job_name == "csq_pipeline"
    (schedule,) = defs.schedules
    assert defs.resolve_schedule_def(schedule.name).job_name == "csq_pipeline"


def test_one_raw_asset_per_contract_entity(graph) -> None:
    expected = {dg.AssetKey(["raw", e.source, e.name]) for e in ENTITIES}
    assert _keys(graph, "raw") == expected
    for key in expected:
        node = graph.get(key)
        assert node.is_materializable and node.partitions_def is not None
        assert node.group_name == f"raw_{key.path[1]}"
        assert node.owners


def test_lineage_is_continuous_from_raw_to_published(graph) -> None:
    raw = _keys(graph, "raw")
    kpi = _keys(graph, "kpi")
    staging = _keys(graph, "staging")
    assert kpi and staging
    for key in staging:  # every staging model reads a raw entity
        assert graph.get(key).parent_keys & raw, key
    for key in kpi:  # every mart reads core only, and traces back to raw
        node = graph.get(key)
        assert {p.path[0] for p in node.parent_keys} <= {"core"}, key
        ancestors, frontier = set(), set(node.parent_keys)
        while frontier:
            k = frontier.pop()
            ancestors.add(k)
            frontier |= set(graph.get(k).parent_keys) - ancestors
        assert ancestors & raw, f"{key} does not trace back to a raw entity"
    published = graph.get(dg.AssetKey(["published", "marts"]))
    assert kpi <= set(published.parent_keys)


def test_kpi_marts_are_a_separate_step_after_core(defs: dg.Definitions) -> None:
    from orchestration.defs.dbt import dbt_kpi_marts, dbt_warehouse_models

    assert set(dbt_kpi_marts.keys) == {k for k in dbt_kpi_marts.keys if k.path[0] == "kpi"}
    assert not any(k.path[0] == "kpi" for k in dbt_warehouse_models.keys)


def test_code_location_allocates_arrow_buffers_with_the_system_allocator() -> None:
    """mimalloc (pyarrow's default) kept every GX chunk's pages: 3.5 GB for a year of the
    telephony suites against 1.8 GB with glibc malloc (benchmarks/README.md). A fresh process:
    Arrow picks its allocator once, at its first allocation."""
    code = (
        "import os; os.environ.pop('ARROW_DEFAULT_MEMORY_POOL', None); "
        "import orchestration.definitions, pyarrow as pa, pandas as pd; "
        "pd.Series(['a', 'b'], dtype='str').str.upper(); "
        "print(pa.default_memory_pool().backend_name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "system"


def test_every_step_holds_the_warehouse_run_lock(defs: dg.Definitions) -> None:
    """The run lock is a resource every asset and check step requires, so a run launched from
    the UI, the schedule or the sensor holds it like ``csq run`` does."""
    from orchestration.run_guard import RESOURCE_KEY

    job = defs.resolve_job_def("csq_pipeline")
    steps = [n.definition for n in job.graph.node_dict.values()]
    assert sorted(op.name for op in steps) == [
        "dbt_kpi_marts",
        "dbt_warehouse_models",
        "gx_core",
        "gx_raw",
        "published__marts",
        "raw_crm",
        "raw_hr",
        "raw_survey",
        "raw_telephony",
    ]
    for op in steps:
        assert RESOURCE_KEY in op.required_resource_keys, op.name


def test_daemon_launched_runs_queue_one_at_a_time(tmp_path) -> None:
    import yaml

    from orchestration.cli import ensure_dagster_home
    from orchestration.settings import load_settings

    settings = load_settings({"CSQ_HOME": str(tmp_path), "CSQ_PII_SALT": "t"})
    config = yaml.safe_load((ensure_dagster_home(settings) / "dagster.yaml").read_text())
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_coordinator"]["config"]["max_concurrent_runs"] == 1
    assert config["run_monitoring"]["enabled"] is True
    assert config["telemetry"]["enabled"] is False
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
