"""Raw ingestion: the raw assets (one multi-asset per source), the new-deliveries sensor and
the daily schedule builders. The loader itself (:mod:`.loader`) has no Dagster imports."""

from orchestration.defs.ingest.assets import raw_asset_key, raw_assets
from orchestration.defs.ingest.schedules import build_daily_schedule
from orchestration.defs.ingest.sensors import build_ingest_sensor

__all__ = ["build_daily_schedule", "build_ingest_sensor", "raw_asset_key", "raw_assets"]
