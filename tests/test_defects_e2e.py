"""Every defect ``csq generate --defects`` injects is accounted for by ingestion: quarantined or
rejected with the right reason at the right line, replaced by its re-send, counted as an
unknown member, loaded late, or ignored as incomplete; and the row counts reconcile."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import SOURCES, entity
from orchestration.defs.ingest.loader import load_deliveries
from orchestration.defs.quality.profile import partition_profile
from orchestration.lib.manifest import scan_landing
from orchestration.settings import Settings, load_settings
from synthetic import generate

START, DAYS = date(2026, 5, 1), 12


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[dict], Settings]:
    root = tmp_path_factory.mktemp("defects")
    report = generate(out=root / "landing", start=START, days=DAYS, agents=20, seed=5, defects=True)
    records = json.loads(Path(report.sidecar).read_text(encoding="utf-8"))
    settings = load_settings({"CSQ_HOME": str(root / "home"), "CSQ_PII_SALT": "t"})
    settings = replace(settings, landing_dir=root / "landing")
    # A re-send replaces what was loaded first: load the originals, then the landing folder.
    originals = replace(settings, landing_dir=root / "originals")
    for rec in records:
        if rec["expected"] == "replaced_by_resend":
            target = originals.landing_dir / rec["source"] / rec["business_date"]
            shutil.copytree(rec["original"], target)
            load_deliveries(
                originals, rec["source"], [date.fromisoformat(rec["business_date"])], "first"
            )
    complete = scan_landing(settings.landing_dir, SOURCES).complete
    dates = sorted({d.business_date for d in complete})
    for source in SOURCES:
        load_deliveries(settings, source, dates, "main")
    return settings, records, originals


def _sql(settings: Settings, query: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(query.replace("$LAKE", str(settings.lake_dir))).fetchall()
    finally:
        con.close()


def test_every_defect_class_is_injected(loaded) -> None:
    _, records, _ = loaded
    classes = {r["defect"] for r in records}
    assert classes >= {
        "duplicate_key",
        "orphan_login",
        "negative_duration",
        "absurd_duration",
        "resend",
        "row_count_mismatch",
        "missing_column",
        "column_count",
        "malformed_csv",
        "excel_id_card",
        "excel_employee_id",
        "excel_customer_id",
        "late_survey",
        "incomplete",
    }


def test_row_defects_are_quarantined_with_reason_and_line(loaded) -> None:
    settings, records, _ = loaded
    row_defects = [r for r in records if r["expected"].startswith("quarantine:")]
    assert len(row_defects) >= 6  # every class that ends in quarantine, at least once
    for r in row_defects:
        reason = r["expected"].split(":", 1)[1]
        rows = _sql(
            settings,
            f"""select reason, raw_line from read_parquet(
                '$LAKE/quarantine/{r["source"]}/{r["entity"]}/business_date={r["business_date"]}/data.parquet')
                where line_no = {r["line_no"]}""",
        )
        assert rows, f"{r['defect']}: nothing quarantined at {r['file']}:{r['line_no']}"
        assert rows[0][0] == reason, (r, rows)
        assert rows[0][1], "the raw line is kept"


def test_delivery_defects_are_rejected_whole_and_audited(loaded) -> None:
    settings, records, _ = loaded
    rejected = [r for r in records if r["expected"].startswith("rejected:")]
    assert {r["expected"] for r in rejected} >= {
        "rejected:row_count_mismatch",
        "rejected:missing_column",
    }
    for r in rejected:
        rule = r["expected"].split(":", 1)[1]
        audit = _sql(
            settings,
            f"""select status, message from read_parquet('$LAKE/audit/load_audit/**/*.parquet',
                union_by_name = true)
                where source = '{r["source"]}' and business_date = date '{r["business_date"]}'""",
        )
        assert audit and {s for s, _ in audit} == {"rejected"}
        assert any(m.startswith(rule) and r["file"] in m for _, m in audit), audit
        # nothing of the delivery reached the raw layer
        partitions = list(
            settings.raw_dir.glob(f"{r['source']}/*/business_date={r['business_date']}")
        )
        assert partitions == []


def test_resend_replaces_the_first_delivery(loaded) -> None:
    settings, records, originals = loaded
    (r,) = [r for r in records if r["expected"] == "replaced_by_resend"]
    landing = settings.landing_dir / r["source"] / r["business_date"]
    manifest = json.loads((landing / "_manifest.json").read_text())
    resent_at = r["generated_at"]
    for f in manifest["files"]:
        part = f"{r['source']}/{f['entity']}/business_date={r['business_date']}/data.parquet"
        ((n, loads, generated),) = _sql(
            settings,
            f"""select count(*), list(distinct _load_id),
                       list(distinct strftime(_manifest_generated_at + interval 8 hour,
                                              '%Y-%m-%dT%H:%M:%S+08:00'))
                from read_parquet('$LAKE/raw/{part}')""",
        )
        ((q,),) = _sql(settings, f"select count(*) from read_parquet('$LAKE/quarantine/{part}')")
        assert n + q == f["rows"], f["entity"]  # exactly the re-sent file, nothing of the first
        if n:
            assert loads == ["main"] and generated == [resent_at], (f["entity"], loads, generated)
    # the original really was loaded first (and differs from the re-send)
    assert list(originals.raw_dir.glob(f"{r['source']}/*/business_date={r['business_date']}"))


def test_orphan_logins_load_and_are_unknown_to_hr(loaded) -> None:
    settings, records, _ = loaded
    orphans = [r for r in records if r["expected"] == "unknown_member"]
    assert orphans
    hr_logins = {
        x
        for (x,) in _sql(
            settings,
            "select distinct agent_login from read_parquet('$LAKE/raw/hr/employees/*/*.parquet')",
        )
    }
    for r in orphans:
        rows = _sql(
            settings,
            f"""select agent_login from read_parquet(
                '$LAKE/raw/{r["source"]}/{r["entity"]}/business_date={r["business_date"]}/data.parquet')
                where _line_no = {r["line_no"]}""",
        )
        assert rows == [(r["value"],)] and r["value"] not in hr_logins


def test_ids_that_lost_their_leading_zeros_load_and_the_shape_profile_shows_them(loaded) -> None:
    """Ids are opaque (no format to enforce), so Excel's lost leading zeros cannot be told from a
    shorter id at load; the raw suite's shape warning reads this same profile."""
    settings, records, _ = loaded
    damaged = [r for r in records if r["expected"].startswith("shape_warning:")]
    assert {r["column"] for r in damaged} == {"employee_id", "customer_id"}
    con = duckdb.connect()
    try:
        for r in damaged:
            day = date.fromisoformat(r["business_date"])
            rows = _sql(
                settings,
                f"""select {r["column"]} from read_parquet(
                    '$LAKE/raw/{r["source"]}/{r["entity"]}/business_date={day}/data.parquet')
                    where _line_no = {r["line_no"]}""",
            )
            assert rows == [(r["value"],)]
            ent = entity(r["source"], r["entity"])
            profile = partition_profile(
                ent, settings.raw_dir, settings.quarantine_dir, [day], con
            ).iloc[0]
            assert profile[f"shape_share__{r['column']}"] < 0.999  # the suite's warning bound
            assert repr(r["value"]) in profile[f"shape_share__{r['column']}__detail"]
    finally:
        con.close()


def test_late_survey_responses_load_on_their_response_date(loaded) -> None:
    settings, records, _ = loaded
    late = [r for r in records if r["expected"] == "loaded_late"]
    assert late
    for r in late:
        ((lag,),) = _sql(
            settings,
            f"""select date_diff('day', sent_at, responded_at) from read_parquet(
                '$LAKE/raw/survey/post_contact/business_date={r["business_date"]}/data.parquet')
                where response_id = '{r["key"]["response_id"]}'""",
        )
        assert lag >= 8


def test_incomplete_delivery_is_ignored(loaded) -> None:
    settings, records, _ = loaded
    (r,) = [r for r in records if r["expected"] == "ignored_incomplete"]
    assert (settings.landing_dir / r["source"] / r["business_date"]).is_dir()
    assert not list(settings.raw_dir.glob(f"{r['source']}/*/business_date={r['business_date']}"))


def test_counts_reconcile_for_every_loaded_file(loaded) -> None:
    settings, _, _ = loaded
    rows = _sql(
        settings,
        """select source_file, rows_in, rows_loaded, rows_quarantined
           from read_parquet('$LAKE/audit/load_audit/**/*.parquet', union_by_name = true)
           where status = 'loaded'""",
    )
    assert len(rows) > 100
    for source_file, rows_in, loaded_, quarantined in rows:
        assert rows_in == loaded_ + quarantined, source_file
    ((raw_total,),) = _sql(
        settings,
        "select count(*) from read_parquet('$LAKE/raw/*/*/*/*.parquet', union_by_name = true)",
    )
    assert raw_total > 0
