"""The sensor that starts a run when a complete delivery lands (or is re-sent).

It scans the landing folder (``landing.landing_scan``: the contract's sources, real dates inside
the partition window, manifest present; anything else is logged as ignored) and asks for one run
per business date.
The run key is the date plus a hash of that date's manifests: Dagster never repeats a run key,
so a date runs again only when a manifest appears or changes (a re-sent delivery). Default
status STOPPED (tests and fresh checkouts do not start polling); switch it on in the UI or
with ``dagster sensor start new_deliveries_sensor``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import dagster as dg

from orchestration.defs.ingest.landing import landing_scan
from orchestration.lib.manifest import DeliveryRef
from orchestration.settings import get_settings

SENSOR_NAME = "new_deliveries_sensor"


def deliveries_by_date(refs: list[DeliveryRef]) -> dict[date, list[DeliveryRef]]:
    """Group complete deliveries by business date."""
    grouped: dict[date, list[DeliveryRef]] = defaultdict(list)
    for ref in refs:
        grouped[ref.business_date].append(ref)
    return dict(grouped)


def delivery_run_key(business_date: date, refs: list[DeliveryRef]) -> str:
    """``<date>:<hash of the date's manifests>``: changes when a manifest is added or re-sent."""
    digest = hashlib.sha256()
    for ref in sorted(refs, key=lambda r: r.source):
        digest.update(ref.source.encode() + b"\0" + ref.manifest_path.read_bytes() + b"\0")
    return f"{business_date.isoformat()}:{digest.hexdigest()[:16]}"


def build_ingest_sensor(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    minimum_interval_seconds: int = 60,
) -> dg.SensorDefinition:
    """``new_deliveries_sensor`` requesting runs of ``job`` (a job partitioned by business
    date) for each date with a new or re-sent complete delivery."""

    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts a run for each business date whose deliveries are new or re-sent.",
    )
    def new_deliveries_sensor(
        context: dg.SensorEvaluationContext,
    ) -> Iterator[dg.RunRequest | dg.SkipReason]:
        scan = landing_scan(get_settings())
        for item in scan.ignored:
            context.log.warning(f"landing folder: ignored {item}")
        grouped = deliveries_by_date(scan.complete)
        requested = 0
        for day in sorted(grouped):
            key = day.isoformat()
            refs = grouped[day]
            requested += 1
            yield dg.RunRequest(
                run_key=delivery_run_key(day, refs),
                partition_key=key,
                tags={"csq/sources": ",".join(sorted(r.source for r in refs))},
            )
        if not requested:
            yield dg.SkipReason("no complete deliveries in the landing folder")

    return new_deliveries_sensor
