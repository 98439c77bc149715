"""The daily schedule: 06:00 Asia/Shanghai, for yesterday's business date."""

from __future__ import annotations

import dagster as dg

SCHEDULE_NAME = "daily_ingest_schedule"


def build_daily_schedule(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> dg.ScheduleDefinition | dg.UnresolvedPartitionedAssetScheduleDefinition:
    """Run ``job`` (partitioned by business date, Asia/Shanghai) every day at 06:00 local time
    for the partition that ended at midnight, i.e. yesterday. STOPPED unless told otherwise."""
    return dg.build_schedule_from_partitioned_job(
        job,
        name=SCHEDULE_NAME,
        hour_of_day=6,
        minute_of_hour=0,
        default_status=default_status,
        description="Daily at 06:00 Asia/Shanghai: load and build yesterday's business date.",
    )
