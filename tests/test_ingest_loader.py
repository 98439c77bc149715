"""The raw loader: types and time zones, quarantine rules, reconciliation, rejection,
idempotence, re-sent and incomplete deliveries."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers.delivery import valid_row, write_delivery

from orchestration.contract import LINEAGE_COLUMNS, entities, entity
from orchestration.defs.ingest.loader import (
    DeliveryNotFound,
    DeliveryRejected,
    load_deliveries,
    load_delivery,
)
from orchestration.lib.raw_schema import raw_schema
from orchestration.settings import Settings, load_settings

DAY = date(2026, 3, 14)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"CSQ_HOME": str(tmp_path / "home"), "CSQ_PII_SALT": "test-salt"})


def _raw(settings: Settings, source: str, entity: str, day: date = DAY) -> list[dict]:
    path = settings.raw_dir / source / entity / f"business_date={day}" / "data.parquet"
    return pq.read_table(path).to_pylist()


def _quarantine(settings: Settings, source: str, entity: str, day: date = DAY) -> list[dict]:
    path = settings.quarantine_dir / source / entity / f"business_date={day}" / "data.parquet"
    return pq.read_table(path).to_pylist()


def _audit(settings: Settings, source: str, day: date = DAY) -> list[dict]:
    folder = settings.audit_dir / "load_audit" / source / f"business_date={day}"
    return [row for f in sorted(folder.glob("*.parquet")) for row in pq.read_table(f).to_pylist()]


def _tree_hashes(*roots: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for root in roots
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_telephony_utc_and_crm_local_time_land_on_the_same_instant(settings: Settings) -> None:
    call = valid_row("telephony", "calls", enqueued_at="2026-03-14T01:02:03Z")
    ticket = valid_row("crm", "tickets", created_at="2026-03-14 09:02:03")
    write_delivery(settings.landing_dir, "telephony", DAY, {"calls": [call]})
    write_delivery(settings.landing_dir, "crm", DAY, {"tickets": [ticket]})
    load_delivery(settings, "telephony", DAY, "load-1")
    load_delivery(settings, "crm", DAY, "load-1")
    instant = datetime(2026, 3, 14, 1, 2, 3)
    assert _raw(settings, "telephony", "calls")[0]["enqueued_at"] == instant
    assert _raw(settings, "crm", "tickets")[0]["created_at"] == instant


def test_gb18030_hr_delivery_with_slash_dates_and_chinese_names(settings: Settings) -> None:
    employee = valid_row(
        "hr", "employees", full_name="张三丰", hire_date="2024/02/29", birth_date="1990-01-31"
    )
    write_delivery(settings.landing_dir, "hr", DAY, {"employees": [employee]}, encoding="gb18030")
    result = load_delivery(settings, "hr", DAY, "load-1")
    assert result.files["employees"].encoding == "gb18030"
    row = _raw(settings, "hr", "employees")[0]
    assert row["full_name"] == "张三丰"
    assert row["hire_date"] == date(2024, 2, 29)
    assert row["birth_date"] == date(1990, 1, 31)
    assert row["employee_id"] == "000001"  # identifiers keep leading zeros
    audit = [r for r in _audit(settings, "hr") if r["entity"] == "employees"]
    assert audit[0]["encoding"] == "gb18030" and audit[0]["status"] == "loaded"


def test_every_quarantine_rule_with_reason_and_line_number(settings: Settings) -> None:
    def call(i: int, **kw: object) -> dict[str, object]:
        return valid_row("telephony", "calls", i, **kw)

    good = call(0)
    malformed = ",".join(str(v) for v in call(9, direction="inbound").values()).replace(
        "inbound", '"in"bound', 1
    )
    rows = [
        good,  # line 2
        call(1, call_id=""),  # 3 missing_key
        call(2, talk_s="12.5"),  # 4 bad_type
        call(3, direction="sideways"),  # 5 bad_enum
        call(4, agent_login="1.23457E+11"),  # 6 excel_number (an id Excel turned into a number)
        call(5, talk_s="-5"),  # 7 out_of_range (negative)
        call(6, ring_s="86401"),  # 8 out_of_range (absurd)
        "a,b,c",  # 9 column_count
        malformed,  # 10 malformed_csv
        call(0),  # 11 duplicate_key of line 2
        call(7, enqueued_at="2026-03-14 01:02:03"),  # 12 bad_type: telephony needs ...Z
        call(8, transfer_to_queue="Q\nline two"),  # 13-14 loaded (quoted newline)
        call(10, direction="sideways", talk_s="x"),  # 15 bad_type wins over bad_enum
    ]
    write_delivery(settings.landing_dir, "telephony", DAY, {"calls": rows})
    result = load_delivery(settings, "telephony", DAY, "load-1")

    quarantined = {r["line_no"]: r["reason"] for r in _quarantine(settings, "telephony", "calls")}
    assert quarantined == {
        3: "missing_key:call_id",
        4: "bad_type:talk_s",
        5: "bad_enum:direction",
        6: "excel_number:agent_login",
        7: "out_of_range:talk_s",
        8: "out_of_range:ring_s",
        9: "column_count",
        10: "malformed_csv",
        11: "duplicate_key",
        12: "bad_type:enqueued_at",
        15: "bad_type:talk_s",
    }
    q_rows = {r["line_no"]: r for r in _quarantine(settings, "telephony", "calls")}
    assert q_rows[9]["raw_line"] == "a,b,c"
    assert q_rows[10]["raw_line"] == malformed
    assert q_rows[3]["source_file"] == "telephony/2026-03-14/calls.csv"
    assert q_rows[3]["load_id"] == "load-1"

    raw = _raw(settings, "telephony", "calls")
    assert [(r["call_id"], r["_line_no"]) for r in raw] == [
        (good["call_id"], 2),
        (call(8)["call_id"], 13),
    ]
    assert raw[1]["transfer_to_queue"] == "Q\nline two"
    assert raw[0]["segment_no"] == 1 and raw[0]["talk_s"] == 0

    calls = result.files["calls"]
    assert (calls.rows_in, calls.rows_loaded, calls.rows_quarantined) == (13, 2, 11)
    assert calls.rows_in == calls.rows_loaded + calls.rows_quarantined
    audit = {r["entity"]: r for r in _audit(settings, "telephony")}
    assert audit["calls"]["rows_in"] == 13
    assert audit["calls"]["rows_loaded"] == 2
    assert audit["calls"]["rows_quarantined"] == 11
    assert "duplicate_key=1" in audit["calls"]["message"]
    for r in audit.values():
        assert r["rows_in"] == r["rows_loaded"] + r["rows_quarantined"]


def test_crm_null_required_bad_dates_and_excel_damaged_ids(settings: Settings) -> None:
    def customer(i: int, **kw: object) -> dict[str, object]:
        return valid_row("crm", "customers", i, **kw)

    rows = [
        customer(0),  # 2 ok
        customer(1, updated_at=None),  # 3
        customer(2, birth_date="2026-02-30"),  # 4
        customer(3, id_card_no="1.10101E+17"),  # 5 Excel's scientific notation
        customer(4, customer_id="12345"),  # 6 loaded: ids are opaque (no format to hold)
        customer(5, customer_level="8"),  # 7
        customer(6, updated_at="2026-03-14T09:00:00Z"),  # 8
        customer(7, customer_id="1.23457E+11"),  # 9 an id Excel turned into a number
        customer(8, id_card_no="110105194912310021"),  # 10 check character should be X
        customer(9, id_card_no="11010519491231002"),  # 11 17 characters
        customer(10, mobile_no="1380013800"),  # 12 10 digits
        customer(11, customer_id="CU-00007", id_card_no="11010519491231002X"),  # 13 loaded
        customer(12, customer_id="   "),  # 14 a blank id is no id
    ]
    write_delivery(settings.landing_dir, "crm", DAY, {"customers": rows})
    load_delivery(settings, "crm", DAY, "load-1")
    reasons = {r["line_no"]: r["reason"] for r in _quarantine(settings, "crm", "customers")}
    assert reasons == {
        3: "null_required:updated_at",
        4: "bad_type:birth_date",
        5: "excel_number:id_card_no",
        7: "out_of_range:customer_level",
        8: "bad_type:updated_at",
        9: "excel_number:customer_id",
        10: "check_digit:id_card_no",
        11: "pattern:id_card_no",
        12: "pattern:mobile_no",
        14: "bad_type:customer_id",
    }
    loaded = {r["_line_no"]: r for r in _raw(settings, "crm", "customers")}
    assert sorted(loaded) == [2, 6, 13]
    assert loaded[2]["customer_id"] == "0000000001"
    assert loaded[2]["updated_at"] == datetime(2026, 3, 14, 1, 2, 3)
    assert loaded[6]["customer_id"] == "12345"
    assert loaded[13]["customer_id"] == "CU-00007"


@pytest.mark.parametrize(
    "written",
    [
        "2026-02-29T10:00:00Z",  # no 29 February in 2026
        "2026-03-13T23:59:60Z",  # no leap seconds in the contract
        "2026-03-13T24:00:00Z",
        "2026-03-13T10:60:00Z",
        "2026-04-31T10:00:00Z",
        "2026-3-13T10:00:00Z",
    ],
)
def test_a_timestamp_that_is_not_on_the_calendar_is_bad_type_not_rolled_over(
    settings: Settings, written: str
) -> None:
    """strptime alone would read 2026-02-29 as 1 March: every field must read back as written."""
    calls = [
        valid_row("telephony", "calls", 0, enqueued_at="2024-02-29T23:59:59Z"),  # a leap day
        valid_row("telephony", "calls", 1, enqueued_at=written),
    ]
    write_delivery(settings.landing_dir, "telephony", DAY, {"calls": calls})
    load_delivery(settings, "telephony", DAY, "load-1")
    assert [(r["line_no"], r["reason"]) for r in _quarantine(settings, "telephony", "calls")] == [
        (3, "bad_type:enqueued_at")
    ]
    assert [r["enqueued_at"] for r in _raw(settings, "telephony", "calls")] == [
        datetime(2024, 2, 29, 23, 59, 59)
    ]


def test_header_is_matched_by_name_whatever_the_order_line_ends_or_bom(tmp_path: Path) -> None:
    """The same rows delivered in contract order (LF, no BOM) and shuffled (CRLF, BOM, an extra
    column) load to identical raw rows; the extra column is reported and kept out."""
    rows = [
        valid_row("telephony", "calls", i, transfer_to_queue="Q\r\nx" if i == 1 else None)
        for i in range(3)
    ]
    shuffled = list(reversed(entity("telephony", "calls").column_names))
    loaded = {}
    for name, kwargs in {
        "plain": {},
        "shuffled": {
            "line_end": "\r\n",
            "encoding": "utf-8-sig",
            "extra_columns": ["site_note"],
            "column_order": {"calls": shuffled},
        },
    }.items():
        s = load_settings({"CSQ_HOME": str(tmp_path / name), "CSQ_PII_SALT": "t"})
        write_delivery(s.landing_dir, "telephony", DAY, {"calls": rows}, **kwargs)
        result = load_delivery(s, "telephony", DAY, "load-1")
        loaded[name] = pq.read_table(result.files["calls"].raw_path).drop_columns(
            ["_source_file", "_file_sha256", "_load_id"]
        )
        if name == "shuffled":
            assert result.files["calls"].extra_columns == ["site_note"]
            assert result.files["calls"].encoding == "utf-8-sig"
            (audit,) = [r for r in _audit(s, "telephony") if r["entity"] == "calls"]
            assert "extra columns ignored: ['site_note']" in audit["message"]
    assert loaded["shuffled"].column_names == loaded["plain"].column_names
    assert loaded["shuffled"].to_pylist() == loaded["plain"].to_pylist()
    assert loaded["plain"].num_rows == 3


def test_gb18030_rare_characters_survive(settings: Settings) -> None:
    """CJK Extension A (U+3400) and B (U+20000, four bytes in GB18030) in an HR export."""
    name = "张㐀𠀀"
    write_delivery(
        settings.landing_dir,
        "hr",
        DAY,
        {"employees": [valid_row("hr", "employees", 0, full_name=name, hire_date="2019/03/01")]},
        encoding="gb18030",
    )
    result = load_delivery(settings, "hr", DAY, "load-1")
    assert result.files["employees"].encoding == "gb18030"
    (row,) = _raw(settings, "hr", "employees")
    assert row["full_name"] == name and row["hire_date"] == date(2019, 3, 1)


def test_long_fields_load_up_to_the_documented_maximum_and_are_quarantined_above(
    settings: Settings,
) -> None:
    from orchestration.lib.csv_records import MAX_FIELD_CHARS

    def post(i: int, comment: str) -> dict[str, object]:
        return valid_row("survey", "post_contact", i, comment=comment)

    long_ok = "好" * 131_073  # above Python csv's default limit, below ours
    rows = [post(0, long_ok), post(1, "x" * (MAX_FIELD_CHARS + 1)), post(2, "ok")]
    write_delivery(settings.landing_dir, "survey", DAY, {"post_contact": rows})
    load_delivery(settings, "survey", DAY, "load-1")
    assert {r["line_no"]: r["reason"] for r in _quarantine(settings, "survey", "post_contact")} == {
        3: "field_too_long"
    }
    loaded = {r["_line_no"]: r["comment"] for r in _raw(settings, "survey", "post_contact")}
    assert loaded == {2: long_ok, 4: "ok"}


def test_a_utf8_row_in_a_gb18030_file_is_quarantined_not_loaded_as_mojibake(
    settings: Settings,
) -> None:
    """One row written as UTF-8 inside a GB18030 export: decoded as GB18030 it would be
    mojibake (and, in a PII column, a different pseudonym)."""
    rows = [
        valid_row("hr", "employees", 0, full_name="王小明", site="上海"),
        valid_row("hr", "employees", 1, full_name="李娜", site="北京"),
        valid_row("hr", "employees", 2, full_name="张伟", site="广州"),
    ]
    folder = write_delivery(settings.landing_dir, "hr", DAY, {"employees": rows})
    path = folder / "employees.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].decode("gb18030").encode("utf-8")  # the second data row as UTF-8
    path.write_bytes(b"\n".join(lines))
    manifest = json.loads((folder / "_manifest.json").read_text())
    for f in manifest["files"]:
        if f["entity"] == "employees":
            f["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "_manifest.json").write_text(json.dumps(manifest))

    result = load_delivery(settings, "hr", DAY, "load-1")
    assert result.files["employees"].encoding == "gb18030"
    (q,) = _quarantine(settings, "hr", "employees")
    assert (q["line_no"], q["reason"]) == (3, "suspect_encoding")
    assert [r["full_name"] for r in _raw(settings, "hr", "employees")] == ["王小明", "张伟"]


def test_timestamps_after_the_next_day_are_quarantined_except_in_plans(settings: Settings) -> None:
    """A delivery of 2026-03-14 knows events up to the end of 03-15 (Asia/Shanghai)."""
    rows = [
        valid_row("survey", "post_contact", 0, responded_at="2026-03-15 23:59:59"),
        valid_row("survey", "post_contact", 1, responded_at="2026-03-16 00:00:00"),
        valid_row("survey", "post_contact", 2, responded_at="2099-01-01 10:00:00"),
    ]
    write_delivery(settings.landing_dir, "survey", DAY, {"post_contact": rows})
    load_delivery(settings, "survey", DAY, "load-1")
    assert {r["line_no"]: r["reason"] for r in _quarantine(settings, "survey", "post_contact")} == {
        3: "future_timestamp:responded_at",
        4: "future_timestamp:responded_at",
    }
    next_week = valid_row("hr", "schedules", 0, starts_at="2026-03-21 09:00:00")
    write_delivery(settings.landing_dir, "hr", DAY, {"schedules": [next_week]})
    load_delivery(settings, "hr", DAY, "load-2")
    assert len(_raw(settings, "hr", "schedules")) == 1  # a schedule is a plan


def test_every_entity_gets_raw_and_quarantine_partitions_even_empty(settings: Settings) -> None:
    write_delivery(settings.landing_dir, "survey", DAY, {})
    result = load_delivery(settings, "survey", DAY, "load-1")
    assert set(result.files) == {e.name for e in entities("survey")}
    for ent in entities("survey"):
        table = pq.read_table(result.files[ent.name].raw_path)
        assert table.num_rows == 0
        assert table.schema.equals(raw_schema(ent), check_metadata=False)
        assert table.schema.names[-len(LINEAGE_COLUMNS) :] == [c.name for c in LINEAGE_COLUMNS]
        assert pq.read_table(result.files[ent.name].quarantine_path).num_rows == 0


@pytest.mark.parametrize(
    ("corrupt", "rule"),
    [
        ("row_count", "row_count_mismatch"),
        ("checksum", "checksum_mismatch"),
        ("missing_column", "missing_column"),
        ("missing_file", "missing_file"),
    ],
)
def test_bad_delivery_is_rejected_and_raw_is_untouched(
    settings: Settings, corrupt: str, rule: str
) -> None:
    tickets = [valid_row("crm", "tickets", i) for i in range(3)]
    write_delivery(settings.landing_dir, "crm", DAY, {"tickets": tickets})
    load_delivery(settings, "crm", DAY, "good-load")
    before = _tree_hashes(settings.raw_dir, settings.quarantine_dir)

    write_delivery(
        settings.landing_dir,
        "crm",
        DAY,
        {"tickets": tickets[:1]},
        corrupt=corrupt,
        generated_at="2026-03-15T09:00:00+08:00",
    )
    with pytest.raises(DeliveryRejected) as err:
        load_delivery(settings, "crm", DAY, "bad-load")
    assert rule in str(err.value)
    assert "crm/2026-03-14/tickets.csv" in str(err.value)
    assert [p.rule for p in err.value.problems] == [rule]
    assert _tree_hashes(settings.raw_dir, settings.quarantine_dir) == before

    rejected = [r for r in _audit(settings, "crm") if r["load_id"] == "bad-load"]
    assert len(rejected) == 1
    assert rejected[0]["status"] == "rejected"
    assert rejected[0]["entity"] is None
    assert rejected[0]["source_file"] == "crm/2026-03-14/tickets.csv"
    assert rejected[0]["message"].startswith(f"{rule}: crm/2026-03-14/tickets.csv: ")


def test_source_mismatch_invalid_manifest_and_undecodable_are_rejected(
    settings: Settings,
) -> None:
    folder = write_delivery(settings.landing_dir, "hr", DAY, {})
    manifest = folder / "_manifest.json"
    doc = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(doc | {"source": "crm"}))
    with pytest.raises(DeliveryRejected, match=r"source_mismatch: hr/2026-03-14/_manifest.json"):
        load_delivery(settings, "hr", DAY, "l1")

    manifest.write_text("{not json")
    with pytest.raises(DeliveryRejected, match=r"manifest_invalid: hr/2026-03-14/_manifest.json"):
        load_delivery(settings, "hr", DAY, "l2")

    teams = folder / "teams.csv"
    data = teams.read_bytes() + b"T1,\xff\xff\n"
    teams.write_bytes(data)
    doc["files"] = [
        f | {"rows": 1, "sha256": hashlib.sha256(data).hexdigest()} if f["entity"] == "teams" else f
        for f in doc["files"]
    ]
    manifest.write_text(json.dumps(doc))
    with pytest.raises(DeliveryRejected, match=r"undecodable: hr/2026-03-14/teams.csv"):
        load_delivery(settings, "hr", DAY, "l3")
    assert not settings.raw_dir.exists()
    assert [r["status"] for r in _audit(settings, "hr")] == ["rejected"] * 3


def test_loading_the_same_delivery_twice_gives_identical_raw(settings: Settings) -> None:
    rows = [valid_row("telephony", "agent_states", i) for i in range(50)] + ["x,y"]
    write_delivery(settings.landing_dir, "telephony", DAY, {"agent_states": rows})
    first = load_delivery(settings, "telephony", DAY, "load-1")
    raw1 = pq.read_table(first.files["agent_states"].raw_path).drop_columns(["_load_id"])
    q1 = pq.read_table(first.files["agent_states"].quarantine_path).drop_columns(["load_id"])
    second = load_delivery(settings, "telephony", DAY, "load-2")
    raw2 = pq.read_table(second.files["agent_states"].raw_path).drop_columns(["_load_id"])
    q2 = pq.read_table(second.files["agent_states"].quarantine_path).drop_columns(["load_id"])
    assert raw1.num_rows == 50 and q1.num_rows == 1
    assert raw1.equals(raw2) and q1.equals(q2)
    assert len(list((second.audit_path.parent).glob("*.parquet"))) == 2  # audit appends


def test_resent_delivery_replaces_the_partition(settings: Settings) -> None:
    rows = [valid_row("survey", "post_contact", i) for i in range(3)]
    write_delivery(settings.landing_dir, "survey", DAY, {"post_contact": rows})
    load_delivery(settings, "survey", DAY, "load-1")
    assert len(_raw(settings, "survey", "post_contact")) == 3

    corrected = [rows[0] | {"csat": "5", "comment": "很好"}]
    write_delivery(
        settings.landing_dir,
        "survey",
        DAY,
        {"post_contact": corrected},
        generated_at="2026-03-16T07:30:00+08:00",
    )
    load_delivery(settings, "survey", DAY, "load-2")
    (row,) = _raw(settings, "survey", "post_contact")
    assert row["csat"] == 5 and row["comment"] == "很好"
    assert row["_manifest_generated_at"] == datetime(2026, 3, 15, 23, 30)
    assert row["_load_id"] == "load-2"


def test_incomplete_delivery_is_ignored_and_bad_day_does_not_stop_others(
    settings: Settings,
) -> None:
    days = [date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)]
    write_delivery(settings.landing_dir, "hr", days[0], {"teams": [valid_row("hr", "teams")]})
    write_delivery(settings.landing_dir, "hr", days[1], {}, corrupt="checksum")
    write_delivery(settings.landing_dir, "hr", days[2], {}, manifest=False)
    with pytest.raises(DeliveryNotFound):
        load_delivery(settings, "hr", days[2], "load-1")

    summary = load_deliveries(settings, "hr", reversed(days), "load-1")
    assert [r.business_date for r in summary.loaded] == [days[0]]
    assert [(r.business_date, r.problems[0].rule) for r in summary.rejected] == [
        (days[1], "checksum_mismatch")
    ]
    assert summary.skipped == [days[2]]
    assert len(_raw(settings, "hr", "teams", days[0])) == 1
    assert not (settings.raw_dir / "hr" / "teams" / f"business_date={days[1]}").exists()
    assert not (settings.raw_dir / "hr" / "teams" / f"business_date={days[2]}").exists()
    assert not (settings.audit_dir / "load_audit" / "hr" / f"business_date={days[2]}").exists()
