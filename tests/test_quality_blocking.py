"""A blocking GX check on an asset of one multi-asset (like dbt's) stops the downstream step;
the other suites of the same check step still run and report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from helpers.dagster_resources import run_resources
from test_quality_gate import _qa_row, _warehouse

from orchestration.defs.quality.checks import CHECK_NAME, build_check_step
from orchestration.lib.gx_suites import default_suites_dir, parse_suite
from orchestration.partitions import business_date_partitions
from orchestration.settings import load_settings

DAY = date(2026, 3, 14)
FACT = dg.AssetKey(["core", "fct_qa_evaluations"])
ITEMS = dg.AssetKey(["core", "fct_qa_evaluation_items"])
KPI = dg.AssetKey(["kpi", "kpi_qa_monthly"])


def _defs(settings_home: Path) -> list:
    settings = load_settings({"CSQ_HOME": str(settings_home), "CSQ_PII_SALT": "t"})

    @dg.multi_asset(
        specs=[dg.AssetSpec(FACT), dg.AssetSpec(ITEMS), dg.AssetSpec(["core", "dim_team"])],
        partitions_def=business_date_partitions(),
        name="fake_dbt_core",
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def fake_dbt_core(context):
        for key in sorted(context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key)

    @dg.asset(
        key=KPI,
        deps=[FACT],
        partitions_def=business_date_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def kpi_qa_monthly() -> None:
        (settings_home / "kpi_ran").write_text("yes")

    suites = [
        parse_suite(default_suites_dir() / f"core.{name}.json")
        for name in ("fct_qa_evaluations", "fct_qa_evaluation_items")
    ]
    checks = build_check_step("gx_core", suites, lambda: settings)
    return [fake_dbt_core, checks, kpi_qa_monthly], settings


def _items(path: Path, n: int) -> None:
    """Valid ``core.fct_qa_evaluation_items`` rows (two criteria per evaluation)."""
    con = duckdb.connect(str(path))
    con.execute(
        "create table core.fct_qa_evaluation_items as select 'e' || i as evaluation_id, "
        "'C' || c as criterion_code, ?::date as evaluated_date, "
        "'e' || i || '-C' || c as evaluation_item_sk, 10.0 as max_score, 8.0 as score, "
        "0.8 as score_ratio, 'q' || c as qa_criterion_sk "
        "from range(?) r(i), range(2) k(c)",
        [DAY, n],
    )
    con.close()


@pytest.mark.parametrize("critical_score", [0.0, 70.0], ids=["good", "bad"])
def test_blocking_check_gates_the_kpi_step(tmp_path: Path, critical_score: float) -> None:
    defs, settings = _defs(tmp_path)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    rows = [_qa_row(i, DAY, 85.0) for i in range(10)]
    rows.append(_qa_row(99, DAY, critical_score, critical=True))
    _warehouse(settings.warehouse, rows)
    _items(settings.warehouse, len(rows))
    result = dg.materialize(
        defs, partition_key=DAY.isoformat(), raise_on_error=False, resources=run_resources(settings)
    )
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert evaluations.keys() == {FACT, ITEMS}
    assert {e.check_name for e in evaluations.values()} == {CHECK_NAME}
    assert evaluations[ITEMS].passed, evaluations[ITEMS].description  # reported either way
    assert evaluations[ITEMS].metadata["row_count"].value == 2 * len(rows)
    evaluation = evaluations[FACT]
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    if critical_score == 0.0:
        assert result.success and evaluation.passed
        assert KPI in materialized and (tmp_path / "kpi_ran").exists()
    else:
        assert not result.success and not evaluation.passed
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert "qa_score" in evaluation.description
        assert FACT in materialized and KPI not in materialized
        assert not (tmp_path / "kpi_ran").exists()
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        assert failed == ["gx_core"]


def test_one_check_of_a_step_runs_alone(tmp_path: Path) -> None:
    """The check steps are subsettable: materialising one asset runs only its suite (the
    other suite of the step, which would fail, does not run)."""
    defs, settings = _defs(tmp_path)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    rows = [_qa_row(i, DAY, 85.0) for i in range(10)]
    rows.append(_qa_row(99, DAY, 70.0, critical=True))  # would fail the qa suite
    _warehouse(settings.warehouse, rows)
    _items(settings.warehouse, len(rows))
    result = dg.materialize(
        defs,
        partition_key=DAY.isoformat(),
        selection=dg.AssetSelection.assets(ITEMS),
        resources=run_resources(settings),
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.asset_key == ITEMS and evaluation.passed
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [ITEMS]


def test_a_backfill_records_the_check_per_partition(tmp_path: Path) -> None:
    """Over three days with one bad evaluation on the middle day, Dagster records the suite
    once per day: the middle day Failed (naming it), the others Passed, and the marts wait."""
    defs, settings = _defs(tmp_path)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    days = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    rows = [_qa_row(10 * k + i, d, 85.0) for k, d in enumerate(days) for i in range(10)]
    rows.append(_qa_row(99, DAY, 70.0, critical=True))
    _warehouse(settings.warehouse, rows)
    _items(settings.warehouse, 10)
    result = dg.materialize(
        defs,
        tags={
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        },
        raise_on_error=False,
        resources=run_resources(settings),
    )
    facts = {e.partition: e for e in result.get_asset_check_evaluations() if e.asset_key == FACT}
    assert sorted(facts) == [d.isoformat() for d in days]
    assert [facts[d.isoformat()].passed for d in days] == [True, False, True]
    bad = facts[DAY.isoformat()]
    assert bad.severity == dg.AssetCheckSeverity.ERROR and bad.blocking
    assert f"partition {DAY.isoformat()}" in bad.description and "qa_score" in bad.description
    assert bad.metadata["partition"].value == DAY.isoformat()
    # evaluated against that day's materialisation (else the UI shows the day as missing)
    assert all(e.target_materialization_data is not None for e in facts.values())
    assert not result.success
    assert KPI not in {e.asset_key for e in result.get_asset_materialization_events()}
