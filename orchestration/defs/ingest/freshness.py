"""Delivery freshness: yesterday's extracts are due by 10:00 Asia/Shanghai.

One Dagster freshness check per raw entity (``build_time_partition_freshness_checks``): after
10:00 local time it fails, with the overdue seconds, when the previous business date's
partition has not been materialised, i.e. a source has not delivered (or its delivery was
rejected). The sensor that evaluates them runs by default, so the UI shows a late source
without anyone switching it on; the pipeline job itself leaves them out (a backfill of old
months is not late).
"""

from __future__ import annotations

import warnings

import dagster as dg

from orchestration.defs.ingest.assets import raw_assets
from orchestration.partitions import TIMEZONE

DEADLINE_CRON = "0 10 * * *"
"""Every day at 10:00 (``TIMEZONE``): the 06:00 schedule plus four hours of slack."""

# Dagster marks these builders superseded by FreshnessPolicy, which judges when an asset was
# last materialised; a backfill of March materialised today would pass it. What matters here is
# whether yesterday's *partition* exists, which is what these checks test: kept on purpose.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    freshness_checks = dg.build_time_partition_freshness_checks(
        assets=raw_assets,
        deadline_cron=DEADLINE_CRON,
        timezone=TIMEZONE,
        severity=dg.AssetCheckSeverity.ERROR,
    )
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks,
        name="delivery_freshness_sensor",
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
