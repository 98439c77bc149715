"""The Dagster raw assets (range materialisation, metadata, failure after good days), the
new-deliveries sensor and the daily schedule."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest
from helpers.dagster_resources import run_resources
from helpers.delivery import valid_row, write_delivery

from orchestration.contract import entities
from orchestration.defs.ingest import assets as ingest_assets
from orchestration.defs.ingest import (
    build_daily_schedule,
    build_ingest_sensor,
    raw_asset_key,
    raw_assets,
)
from orchestration.settings import Settings, get_settings

D1, D2, D3 = date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)
RANGE_TAGS = {
    "dagster/asset_partition_range_start": D1.isoformat(),
    "dagster/asset_partition_range_end": D3.isoformat(),
}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("CSQ_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CSQ_PII_SALT", "test-salt")
    monkeypatch.delenv("CSQ_LANDING_DIR", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _crm_assets() -> dg.AssetsDefinition:
    return next(a for a in raw_assets if raw_asset_key("crm", "tickets") in a.keys)


def _materializations(result: dg.ExecuteInProcessResult, entity: str) -> list[dict[str, object]]:
    return [
        {"partition": m.partition, **{k: getattr(v, "value", v) for k, v in m.metadata.items()}}
        for m in result.asset_materializations_for_node("raw_crm")
        if m.asset_key == raw_asset_key("crm", entity)
    ]


def _metadata(result: dg.ExecuteInProcessResult, entity: str) -> dict[str, object]:
    """The range's materialisation (Dagster records it once per partition of the range)."""
    mats = [m for m in _materializations(result, entity) if "dates_loaded_count" in m]
    ranged = [m for m in mats if m["dates_loaded_count"] != 1]
    assert sorted(m["partition"] for m in ranged) == [str(D1), str(D2), str(D3)]
    assert all("dagster/row_count" not in m for m in ranged)  # a range total is no day's count
    return ranged[0]


def test_specs_follow_the_contract() -> None:
    assert len(raw_assets) == 4
    crm = _crm_assets()
    assert set(crm.keys) == {raw_asset_key("crm", e.name) for e in entities("crm")}
    spec = next(s for s in crm.specs if s.key == raw_asset_key("crm", "customers"))
    assert spec.group_name == "raw_crm"
    assert spec.kinds == {"parquet", "python"}
    assert spec.owners == ["team:data-platform"]
    assert spec.description == entities("crm")[0].description
    assert spec.metadata["pii_columns"] == ["customer_name", "mobile_no", "id_card_no"]
    assert not crm.can_subset
    assert crm.backfill_policy == dg.BackfillPolicy.single_run()


def test_range_run_loads_complete_days_and_reports_counts(settings: Settings) -> None:
    t = [valid_row("crm", "tickets", i) for i in range(4)]
    write_delivery(settings.landing_dir, "crm", D1, {"tickets": t[:1]}, encoding="gb18030")
    write_delivery(settings.landing_dir, "crm", D2, {"tickets": [*t[1:], t[1]]})
    write_delivery(settings.landing_dir, "crm", D3, {"tickets": t}, manifest=False)
    result = dg.materialize(
        [_crm_assets()],
        instance=dg.DagsterInstance.ephemeral(),
        tags=RANGE_TAGS,
        resources=run_resources(settings),
    )
    assert result.success
    meta = _metadata(result, "tickets")
    assert (meta["rows_in"], meta["rows_loaded"], meta["rows_quarantined"]) == (5, 4, 1)
    assert meta["quarantine_reasons"] == {"duplicate_key": 1}
    assert meta["load_id"] == result.run_id
    assert meta["dates_loaded"] == [D1.isoformat(), D2.isoformat()]
    assert meta["dates_skipped"] == [D3.isoformat()]
    assert meta["encoding"] == "utf-8"  # ASCII-only GB18030 is valid UTF-8
    assert [f["path"] for f in meta["files"]] == [
        "crm/2026-03-14/tickets.csv",
        "crm/2026-03-15/tickets.csv",
    ]
    assert [(d, p, sha) for d, p, sha in _audit_files(meta)] == [
        (f["business_date"], f["path"], f["sha256"]) for f in meta["files"]
    ]
    assert meta["dates_loaded_count"] == 2
    assert _metadata(result, "customers")["rows_in"] == 0
    daily = {
        m["partition"]: m
        for m in _materializations(result, "tickets")
        if m["dates_loaded_count"] == 1
    }
    assert {d: m["dagster/row_count"] for d, m in daily.items()} == {str(D1): 1, str(D2): 3}
    assert daily[str(D2)]["files"] == [meta["files"][1]]  # each day names its own file
    raw = pq.read_table(settings.raw_dir / "crm" / "tickets").to_pylist()
    assert sorted(r["ticket_id"] for r in raw) == sorted(r["ticket_id"] for r in t)
    assert {r["_load_id"] for r in raw} == {result.run_id}


def _audit_files(meta: dict[str, object]) -> list[tuple[str, str, str]]:
    """Run the ``load_audit_query`` a materialisation carries: (date, file, sha256) rows."""
    sql = str(meta["load_audit_query"]).removeprefix("```sql\n").removesuffix("\n```")
    rows = duckdb.sql(sql).fetchall()
    return [(d.isoformat(), path, sha) for d, path, sha, *_ in rows]


def test_long_range_lists_its_files_in_the_load_audit_only(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above FILES_LISTED_MAX_DATES the per-date lists leave the metadata (Dagster copies it
    onto every partition); the load-audit query still names every file and its sha256."""
    monkeypatch.setattr(ingest_assets, "FILES_LISTED_MAX_DATES", 1)
    t = [valid_row("crm", "tickets", i) for i in range(3)]
    write_delivery(settings.landing_dir, "crm", D1, {"tickets": t[:1]})
    write_delivery(settings.landing_dir, "crm", D2, {"tickets": t[1:]})
    write_delivery(settings.landing_dir, "crm", D3, {"tickets": t}, manifest=False)
    result = dg.materialize(
        [_crm_assets()],
        instance=dg.DagsterInstance.ephemeral(),
        tags=RANGE_TAGS,
        resources=run_resources(settings),
    )
    assert result.success
    meta = _metadata(result, "tickets")
    assert "files" not in meta and "dates_loaded" not in meta and "raw_partitions" not in meta
    assert meta["dates_loaded_count"] == 2
    assert meta["dates_loaded_range"] == f"{D1.isoformat()}..{D2.isoformat()}"
    assert meta["rows_loaded"] == 3
    landing = settings.landing_dir
    assert _audit_files(meta) == [
        (d.isoformat(), f"crm/{d.isoformat()}/tickets.csv", _sha256(landing, d)) for d in (D1, D2)
    ]


def _sha256(landing: Path, day: date) -> str:
    return hashlib.sha256(
        (landing / "crm" / day.isoformat() / "tickets.csv").read_bytes()
    ).hexdigest()


def test_rejected_day_fails_the_run_after_loading_the_good_ones(settings: Settings) -> None:
    write_delivery(settings.landing_dir, "crm", D1, {"tickets": [valid_row("crm", "tickets")]})
    write_delivery(
        settings.landing_dir, "crm", D2, {}, corrupt="row_count", corrupt_entity="tickets"
    )
    result = dg.materialize(
        [_crm_assets()],
        instance=dg.DagsterInstance.ephemeral(),
        tags=RANGE_TAGS,
        resources=run_resources(settings),
        raise_on_error=False,
    )
    assert not result.success
    mats = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == raw_asset_key("crm", "tickets")
    ]
    assert [m.partition for m in mats] == [D1.isoformat()]  # only the loaded day
    assert mats[0].metadata["rows_loaded"].value == 1
    (failure,) = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert "crm 2026-03-15 crm/2026-03-15/tickets.csv: row_count_mismatch" in description
    assert (settings.raw_dir / "crm" / "tickets" / "business_date=2026-03-14").is_dir()
    assert not (settings.raw_dir / "crm" / "tickets" / "business_date=2026-03-15").exists()


def _job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job("csq_pipeline", selection=dg.AssetSelection.assets(*raw_assets))


def test_sensor_requests_one_run_per_date_and_again_after_a_resend(settings: Settings) -> None:
    job = _job()
    sensor = build_ingest_sensor(job)
    repo = dg.Definitions(
        assets=raw_assets, jobs=[job], sensors=[sensor], resources=run_resources(settings)
    ).get_repository_def()
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert sensor.name == "new_deliveries_sensor"

    def tick() -> list[dg.RunRequest]:
        return list(
            sensor.evaluate_tick(dg.build_sensor_context(repository_def=repo)).run_requests or []
        )

    assert tick() == []
    write_delivery(settings.landing_dir, "crm", D1, {})
    write_delivery(settings.landing_dir, "hr", D1, {})
    write_delivery(settings.landing_dir, "hr", D2, {}, manifest=False)
    (first,) = tick()
    assert first.partition_key == D1.isoformat()
    assert first.run_key.startswith("2026-03-14:")
    assert first.tags["csq/sources"] == "crm,hr"
    assert [r.run_key for r in tick()] == [first.run_key]  # unchanged => same key

    write_delivery(settings.landing_dir, "hr", D1, {}, generated_at="2026-03-15T12:00:00+08:00")
    (resent,) = tick()
    assert resent.partition_key == D1.isoformat()
    assert resent.run_key != first.run_key


def test_daily_schedule_runs_yesterday_at_six_shanghai(settings: Settings) -> None:
    defs = dg.Definitions(
        assets=raw_assets,
        jobs=[_job()],
        schedules=[build_daily_schedule(_job())],
        resources=run_resources(settings),
    )
    schedule = defs.resolve_schedule_def("daily_ingest_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    when = datetime(2026, 3, 15, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = dg.build_schedule_context(scheduled_execution_time=when)
    (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.partition_key == "2026-03-14"
