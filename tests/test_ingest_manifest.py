"""Manifests: complete-delivery discovery, validation, file verification; atomic writes."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.delivery import valid_row, write_delivery

from orchestration.contract import SOURCES
from orchestration.lib import atomic
from orchestration.lib.atomic import write_parquet_atomic
from orchestration.lib.manifest import (
    DeliveryError,
    LandingScan,
    read_manifest,
    scan_landing,
    verify_file,
)

DAY = date(2026, 3, 14)


def test_only_complete_deliveries_in_date_folders_are_found(tmp_path: Path) -> None:
    write_delivery(tmp_path, "crm", DAY, {})
    write_delivery(tmp_path, "hr", DAY, {}, manifest=False)
    write_delivery(tmp_path, "telephony", date(2026, 3, 15), {})
    (tmp_path / "crm" / "not-a-date").mkdir()
    (tmp_path / "crm" / "2026-3-16").mkdir()
    found = scan_landing(tmp_path, SOURCES).complete
    assert [(r.source, r.business_date) for r in found] == [
        ("crm", DAY),
        ("telephony", date(2026, 3, 15)),
    ]
    assert [r.source for r in scan_landing(tmp_path, ["telephony"]).complete] == ["telephony"]
    assert scan_landing(tmp_path / "missing", SOURCES) == LandingScan([], [])


def test_strays_are_ignored_with_their_reason_and_never_widen_the_window(tmp_path: Path) -> None:
    """Only the contract's sources, real calendar dates inside [first partition, last ended
    day]; everything else is listed with why (and hidden files are skipped)."""
    write_delivery(tmp_path, "crm", DAY, {})
    for stray in ("zz_unknown/2027-06-01", "crm/0001-01-01", "crm/2026-02-30", "crm/2027-06-01"):
        (tmp_path / stray).mkdir(parents=True)
        (tmp_path / stray / "_manifest.json").write_text("{}")
    write_delivery(tmp_path, "hr", DAY, {}, manifest=False)
    (tmp_path / "README.txt").write_text("not a delivery")
    (tmp_path / ".demo.json").write_text("{}")
    outside = write_delivery(tmp_path / "elsewhere", "survey", DAY, {})
    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / DAY.isoformat()).symlink_to(outside, target_is_directory=True)

    scan = scan_landing(tmp_path, SOURCES, earliest=date(2025, 1, 1), latest=date(2026, 12, 1))
    assert [(r.source, r.business_date) for r in scan.complete] == [("crm", DAY)]
    reasons = {i.path: i.reason for i in scan.ignored}
    assert set(reasons) == {
        "README.txt",
        "crm/0001-01-01",
        "crm/2026-02-30",
        "crm/2027-06-01",
        "elsewhere",
        "hr/2026-03-14",
        "survey/2026-03-14",
        "zz_unknown",
    }
    assert reasons["zz_unknown"] == "not a source of the contract (crm, telephony, survey, hr)"
    assert reasons["crm/0001-01-01"].startswith("before the first partition (2025-01-01")
    assert reasons["crm/2026-02-30"].startswith("not a business date folder")
    assert reasons["crm/2027-06-01"].startswith("after the last business date that has ended")
    assert reasons["hr/2026-03-14"].startswith("incomplete: no _manifest.json")
    assert reasons["survey/2026-03-14"].startswith(f"a symbolic link (to {outside}): refused")


def test_a_symlinked_delivery_or_file_is_rejected_by_the_loader(tmp_path: Path) -> None:
    from orchestration.defs.ingest.loader import DeliveryRejected, load_delivery
    from orchestration.settings import load_settings

    settings = load_settings({"CSQ_HOME": str(tmp_path / "home"), "CSQ_PII_SALT": "t"})
    outside = write_delivery(tmp_path / "elsewhere", "survey", DAY, {})
    (settings.landing_dir / "survey").mkdir(parents=True)
    (settings.landing_dir / "survey" / DAY.isoformat()).symlink_to(outside, True)
    with pytest.raises(DeliveryRejected, match=r"symlink: survey/2026-03-14: a symbolic link"):
        load_delivery(settings, "survey", DAY, "load-1")

    folder = write_delivery(settings.landing_dir, "hr", DAY, {})
    target = tmp_path / "teams.csv"
    (folder / "teams.csv").rename(target)
    (folder / "teams.csv").symlink_to(target)
    with pytest.raises(DeliveryRejected, match=r"symlink: hr/2026-03-14/teams.csv"):
        load_delivery(settings, "hr", DAY, "load-1")
    assert not list(settings.raw_dir.glob("*/*/business_date=2026-03-14"))


def test_manifest_is_read_with_generated_at_in_utc(tmp_path: Path) -> None:
    folder = write_delivery(
        tmp_path,
        "crm",
        DAY,
        {"tickets": [valid_row("crm", "tickets")]},
        generated_at="2026-03-15T06:00:00+08:00",
    )
    manifest = read_manifest(folder, tmp_path)
    assert manifest.source == "crm" and manifest.business_date == DAY
    assert manifest.generated_at == datetime(2026, 3, 14, 22, 0)
    entry = next(f for f in manifest.files if f.entity == "tickets")
    assert entry.rows == 1
    verified = verify_file(folder, entry, tmp_path)
    assert verified.relative == "crm/2026-03-14/tickets.csv"
    assert verified.records.data_rows == 1


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d.pop("files"), "missing key 'files'"),
        (lambda d: d.update(business_date="14/03/2026"), "business_date"),
        (lambda d: d.update(generated_at="yesterday"), "generated_at"),
        (lambda d: d["files"][0].update(rows=-1), "rows -1"),
        (lambda d: d["files"][0].update(sha256="abc"), "sha256 'abc'"),
        (lambda d: d["files"][0].update(file="../x.csv"), "must be"),
        (lambda d: d["files"].append(dict(d["files"][0])), "listed twice"),
    ],
)
def test_invalid_manifests_name_the_problem(tmp_path: Path, edit, fragment: str) -> None:
    folder = write_delivery(tmp_path, "crm", DAY, {})
    path = folder / "_manifest.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(DeliveryError) as err:
        read_manifest(folder, tmp_path)
    assert err.value.rule == "manifest_invalid"
    assert err.value.file == "crm/2026-03-14/_manifest.json"
    assert fragment in str(err.value)


def test_row_count_is_rfc4180_aware(tmp_path: Path) -> None:
    rows = [valid_row("crm", "tickets", 0, status="open"), valid_row("crm", "tickets", 1)]
    rows[0]["category"] = "other"
    rows[1]["origin_call_id"] = "first line\nsecond line\r\nthird"
    folder = write_delivery(tmp_path, "crm", DAY, {"tickets": rows}, line_end="\r\n")
    manifest = read_manifest(folder, tmp_path)
    entry = next(f for f in manifest.files if f.entity == "tickets")
    assert entry.rows == 2
    verified = verify_file(folder, entry, tmp_path)
    assert verified.records.row_lines == [2, 3]
    assert verified.records.row_last_lines == [2, 5]


def test_atomic_write_replaces_and_cleans_up_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a" / "b" / "data.parquet"
    write_parquet_atomic(pa.table({"x": [1, 2]}), target)
    write_parquet_atomic(pa.table({"x": [3]}), target)
    assert pq.read_table(target).column("x").to_pylist() == [3]
    assert [p.name for p in target.parent.iterdir()] == ["data.parquet"]

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        write_parquet_atomic(pa.table({"x": [4, 5, 6]}), target)
    assert [p.name for p in target.parent.iterdir()] == ["data.parquet"]
    assert pq.read_table(target).column("x").to_pylist() == [3]
