"""The ``published/marts`` asset: runs only after the kpi marts (and so after the blocking
quality checks upstream of them) succeeded in the same run."""

from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg

from orchestration.defs.publish.writer import TableRef, publish
from orchestration.lib.failpoint import pause_at
from orchestration.partitions import SINGLE_RUN_BACKFILL, business_date_partitions
from orchestration.settings import Settings, get_settings

PUBLISHED_KEY = dg.AssetKey(["published", "marts"])
BI_DIMENSIONS = (
    "dim_date",
    "dim_team",
    "dim_queue",
    "dim_channel",
    "dim_tenure_band",
    "dim_qa_criterion",
)
"""Dimensions a dashboard needs; none carries PII (dim_employee / dim_customer are left out)."""
DEFAULT_MANIFEST = Path(__file__).resolve().parents[3] / "dbt_project" / "target" / "manifest.json"


def _table(key: dg.AssetKey) -> TableRef:
    if len(key.path) != 2:
        raise ValueError(f"expected a [schema, table] asset key, got {key.to_user_string()}")
    return TableRef(key.path[0], key.path[1])


def build_publish_asset(
    kpi_keys: Sequence[dg.AssetKey],
    dim_keys: Sequence[dg.AssetKey] = tuple(dg.AssetKey(["core", d]) for d in BI_DIMENSIONS),
    *,
    settings_fn: Callable[[], Settings] = get_settings,
    manifest: Path | None = DEFAULT_MANIFEST,
) -> dg.AssetsDefinition:
    """The publish asset depending on every kpi mart and BI dimension it copies."""
    kpi_keys = [dg.AssetKey.from_coercible(k) for k in kpi_keys]
    dim_keys = [dg.AssetKey.from_coercible(k) for k in dim_keys]
    tables = [_table(k) for k in (*kpi_keys, *dim_keys)]

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=[*kpi_keys, *dim_keys],
        group_name="publish",
        partitions_def=business_date_partitions(),
        backfill_policy=SINGLE_RUN_BACKFILL,
        description="Atomic copy of the kpi_ marts + BI dimensions for BI tools (no PII).",
        kinds={"duckdb"},
        required_resource_keys={"warehouse_lock"},
    )
    def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = settings_fn()
        report = publish(
            settings.warehouse,
            settings.published_db,
            tables,
            run_id=context.run.run_id,
            lake_dir=settings.lake_dir,
            manifest=manifest,
            pause=lambda point: pause_at(settings.failpoints, point, settings.home),
        )
        context.log.info(f"published {len(report.row_counts)} tables to {report.path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(report.path)),
                "published_at": report.published_at.isoformat(),
                "row_counts": dg.MetadataValue.json(report.row_counts),
                "tables": dg.MetadataValue.int(len(report.row_counts)),
            }
        )

    return published_marts
