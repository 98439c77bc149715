"""What tells an engineer something is wrong without them looking: delivery freshness checks
(yesterday's extracts due by 10:00 Asia/Shanghai) and the run-failure alert (a record and an
optional webhook)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from helpers.dagster_resources import run_resources

from orchestration.settings import get_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CSQ_HOME", str(tmp_path))
    monkeypatch.setenv("CSQ_PII_SALT", "t")
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "CSQ_LAKE_DIR", "DAGSTER_HOME"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _due_partition(now: datetime) -> str:
    """The business date whose deliveries are due at the latest 10:00 Shanghai before now."""
    local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    deadline_day = local.date() if local.hour >= 10 else local.date() - timedelta(days=1)
    return (deadline_day - timedelta(days=1)).isoformat()


def test_a_delivery_missing_after_ten_is_a_failed_freshness_check(home: Path) -> None:
    from orchestration.definitions import defs
    from orchestration.defs.ingest.freshness import DEADLINE_CRON, freshness_checks

    keys = {k for c in freshness_checks for k in c.check_keys}
    assert len(keys) == 18  # one per raw entity
    assert DEADLINE_CRON == "0 10 * * *"
    pipeline = defs.resolve_job_def("csq_pipeline")
    assert not [n for n in pipeline.graph.node_dict if "freshness" in n]  # never run by it
    assert keys <= set(defs.resolve_asset_graph().asset_check_keys)  # but in the graph (UI)

    calls = next(
        c for c in freshness_checks if any(k.asset_key.path[-1] == "calls" for k in c.check_keys)
    )
    call_key = next(k for k in calls.check_keys if k.asset_key.path[-1] == "calls")
    job = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(call_key))
    from orchestration.defs.ingest import raw_assets

    local = dg.Definitions(
        assets=raw_assets,
        asset_checks=[calls],
        jobs=[job],
        resources=run_resources(get_settings()),
    )
    instance = dg.DagsterInstance.ephemeral()

    def evaluate() -> dg.AssetCheckEvaluation:
        result = local.resolve_job_def("freshness").execute_in_process(instance=instance)
        (evaluation,) = result.get_asset_check_evaluations()
        return evaluation

    late = evaluate()
    assert not late.passed and late.severity == dg.AssetCheckSeverity.ERROR
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=call_key.asset_key, partition=_due_partition(datetime.now(ZoneInfo("UTC")))
        )
    )
    assert evaluate().passed


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def test_a_failed_run_leaves_an_alert_record_and_calls_the_webhook(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.defs.alerts import run_failure_alert

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CSQ_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    get_settings.cache_clear()

    @dg.op
    def explode() -> None:
        raise RuntimeError("the warehouse is on fire")

    @dg.job
    def doomed() -> None:
        explode()

    instance = dg.DagsterInstance.ephemeral()
    result = doomed.execute_in_process(
        instance=instance, raise_on_error=False, tags={"csq/trigger": "cli"}
    )
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()
    run_failure_alert(context)
    server.shutdown()

    (line,) = (home / "alerts" / "alerts.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["run_id"] == result.run_id and record["job"] == "doomed"
    assert record["trigger"] == "cli" and record["failed_steps"] == ["explode"]
    assert record["webhook"] == "sent (HTTP 204)"
    assert _Hook.received == [{k: v for k, v in record.items() if k != "webhook"}]
