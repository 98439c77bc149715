"""The dbt models as two Dagster multi-assets with a step boundary between them.

``dbt_warehouse_models`` builds staging, intermediate and core (with their dbt tests); the
blocking quality checks then run on the core facts; only then ``dbt_kpi_marts`` builds the
``kpi_`` marts. One ``dbt build`` over everything would give the checks nowhere to stop the
marts (stack notes).
"""

import json
import shutil
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.translator import CsqDbtTranslator
from orchestration.partitions import SINGLE_RUN_BACKFILL, business_date_partitions

KPI_SELECTION = "path:models/marts/kpi"


def run_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """dbt vars for the run's business-date window (incremental models re-process it, minus
    their look-back)."""
    window = context.partition_time_window
    return {
        "min_date": window.start.date().isoformat(),
        "max_date": (window.end - timedelta(days=1)).date().isoformat(),
    }


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    # dbt unit tests check SQL logic, not data: they run in the test suite, not every build.
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(run_vars(context)),
    ]
    invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
    # dagster-dbt gives every invocation its own target/<id> folder (with a copy of the partial
    # parse file); keep the artifacts we need for publish (manifest) and drop the rest.
    shutil.rmtree(invocation.target_path, ignore_errors=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=KPI_SELECTION,
    name="dbt_warehouse_models",
    dagster_dbt_translator=CsqDbtTranslator(),
    partitions_def=business_date_partitions(),
    backfill_policy=SINGLE_RUN_BACKFILL,
)
def dbt_warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Staging (typed, deduplicated, pseudonymised), intermediate and core (dims and facts)."""
    yield from _build(context, dbt)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=KPI_SELECTION,
    name="dbt_kpi_marts",
    dagster_dbt_translator=CsqDbtTranslator(),
    partitions_def=business_date_partitions(),
    backfill_policy=SINGLE_RUN_BACKFILL,
)
def dbt_kpi_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """The ``kpi_`` marts BI reads; built only after the blocking checks upstream passed."""
    yield from _build(context, dbt)


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource, running the venv's dbt against the project."""
    return DbtCliResource(
        project_dir=dbt_project,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )
