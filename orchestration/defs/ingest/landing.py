"""What the landing folder offers a run: the complete deliveries of the contract's sources
inside the partition window, and everything else, with the reason it is ignored."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orchestration.contract import SOURCES
from orchestration.lib.manifest import LandingScan, scan_landing
from orchestration.partitions import TIMEZONE
from orchestration.settings import Settings


def last_ended_business_date(now: datetime | None = None) -> date:
    """Yesterday in Asia/Shanghai: the newest business date whose partition exists."""
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(TIMEZONE))
    return local.date() - timedelta(days=1)


def landing_scan(settings: Settings, now: datetime | None = None) -> LandingScan:
    """The landing folder as the sensor, the schedule and ``csq run`` see it: deliveries of
    the contract's sources dated from ``CSQ_PARTITIONS_START`` to the last ended business
    date; anything else is ignored and never widens a run."""
    return scan_landing(
        settings.landing_dir,
        SOURCES,
        earliest=settings.partitions_start,
        latest=last_ended_business_date(now),
    )
