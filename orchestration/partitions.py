"""The one partitioning of the platform: business dates (Asia/Shanghai calendar).

Every asset (raw, dbt, checks, publish) shares it so that a whole day, or a range of days,
runs as one Dagster run. Runs over many days use a single-run backfill policy: each step gets
the partition range and processes it at once.
"""

from __future__ import annotations

from functools import lru_cache

import dagster as dg

from orchestration.settings import get_settings

TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=1)
def business_date_partitions() -> dg.DailyPartitionsDefinition:
    """Daily partitions from ``CSQ_PARTITIONS_START``; today's partition exists once it ends."""
    return dg.DailyPartitionsDefinition(
        start_date=get_settings().partitions_start.isoformat(),
        timezone=TIMEZONE,
        end_offset=0,
    )


SINGLE_RUN_BACKFILL = dg.BackfillPolicy.single_run()
"""Backfills of many days run as one run: steps see the whole partition range."""
