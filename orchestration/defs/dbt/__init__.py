"""dbt models as Dagster assets (dagster-dbt)."""

from orchestration.defs.dbt.assets import DBT_STEPS, dbt_kpi_marts, dbt_warehouse_models
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.resource import dbt_resource

__all__ = ["DBT_STEPS", "dbt_kpi_marts", "dbt_project", "dbt_resource", "dbt_warehouse_models"]
