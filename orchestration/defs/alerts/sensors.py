"""The run-failure sensor: every failed run of the code location becomes an alert record in
``$CSQ_HOME/alerts/alerts.jsonl`` (one JSON object per line: run, job, partitions, failed
steps, message, UI link) and, when ``CSQ_ALERT_WEBHOOK_URL`` is set, a JSON POST to it (a chat
or paging hook). A webhook that cannot be reached is noted in the record, never raised: the
alert file is the record of truth."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from orchestration.settings import Settings, get_settings

ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT_S = 10


def alert_record(run: dg.DagsterRun, message: str, failed_steps: list[str]) -> dict[str, Any]:
    """What an alert says about a failed run."""
    tags = run.tags
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or start
    return {
        "alerted_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "run_id": run.run_id,
        "job": run.job_name,
        "partitions": None if start is None else (start if start == end else f"{start}..{end}"),
        "trigger": tags.get("csq/trigger")
        or tags.get("dagster/schedule_name")
        or tags.get("dagster/sensor_name")
        or "ui",
        "failed_steps": failed_steps,
        "message": message,
        "ui": f"http://127.0.0.1:3000/runs/{run.run_id}",
    }


def send_webhook(url: str, record: dict[str, Any]) -> str:
    """POST ``record`` as JSON to ``url``; returns "sent (HTTP <status>)" or why not."""
    body = json.dumps(record).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            return f"sent (HTTP {response.status})"
    except (urllib.error.URLError, OSError) as exc:
        return f"not sent: {exc}"


def write_alert(settings: Settings, record: dict[str, Any]) -> dict[str, Any]:
    """Append ``record`` (with the webhook's outcome) to the alerts file; returns it."""
    if settings.alert_webhook_url:
        record = {**record, "webhook": send_webhook(settings.alert_webhook_url, record)}
    folder = settings.home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ALERTS_FILE).open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes an alert record for every failed run (and calls CSQ_ALERT_WEBHOOK_URL).",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    failed_steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    message = context.failure_event.message or "run failed"
    record = write_alert(get_settings(), alert_record(context.dagster_run, message, failed_steps))
    context.log.info(f"alert written for run {record['run_id']}: {record.get('webhook', '')}")
