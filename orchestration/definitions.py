"""The one Definitions of the code location: gathers ``defs/*``, nothing else."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.alerts import run_failure_alert
from orchestration.defs.dbt import dbt_kpi_marts, dbt_resource, dbt_warehouse_models
from orchestration.defs.ingest import build_daily_schedule, build_ingest_sensor, raw_assets
from orchestration.defs.ingest.freshness import freshness_checks, freshness_sensor
from orchestration.defs.publish import build_publish_asset
from orchestration.defs.quality import quality_checks
from orchestration.partitions import business_date_partitions
from orchestration.run_guard import RESOURCE_KEY, WarehouseLockResource
from orchestration.settings import get_settings

get_settings().apply_to_environ()  # dbt (a child process) sees the same configuration

PIPELINE_JOB_NAME = "csq_pipeline"

publish_marts = build_publish_asset(
    kpi_keys=list(dbt_kpi_marts.keys),
)

csq_pipeline = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    # every asset and its checks, but not the delivery-freshness checks: a backfill of old
    # months is not late (the freshness sensor evaluates those on its own)
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness_checks),
    partitions_def=business_date_partitions(),
    executor_def=dg.in_process_executor,
    description=(
        "Extracts -> raw Parquet -> dbt staging/core -> blocking quality checks -> "
        "dbt KPI marts -> atomic publish. In-process: each step re-importing the code costs "
        "more than it gains on 2 cores (stack notes)."
    ),
)

defs = dg.Definitions(
    assets=[*raw_assets, dbt_warehouse_models, dbt_kpi_marts, publish_marts],
    asset_checks=[*quality_checks, *freshness_checks],
    jobs=[csq_pipeline],
    sensors=[build_ingest_sensor(csq_pipeline), freshness_sensor, run_failure_alert],
    schedules=[build_daily_schedule(csq_pipeline)],
    resources={"dbt": dbt_resource(), RESOURCE_KEY: WarehouseLockResource()},
)
