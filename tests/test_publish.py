"""Write-audit-publish: atomic swap, comments, audit tables, PII guard, concurrent reader."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from helpers.dagster_resources import run_resources

from orchestration.defs.publish import PublishError, TableRef, build_publish_asset, publish
from orchestration.defs.publish.writer import STORAGE_VERSION_NUMBER
from orchestration.settings import load_settings

TABLES = [TableRef("kpi", "kpi_queue_daily"), TableRef("core", "dim_team")]


def _warehouse(path: Path, offered: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists kpi; create schema if not exists core")
    con.execute("create or replace table kpi.kpi_queue_daily (queue_id varchar, offered bigint)")
    con.executemany(
        "insert into kpi.kpi_queue_daily values (?, ?)",
        [(f"q{i}", n) for i, n in enumerate(offered)],
    )
    con.execute("create or replace table core.dim_team as select 't1' as team_id, 'A' as team_name")
    con.close()


def _manifest(path: Path) -> Path:
    node = {
        "resource_type": "model",
        "schema": "kpi",
        "name": "kpi_queue_daily",
        "description": "Queue KPIs per day",
        "columns": {"offered": {"description": "Inbound segments that entered a queue"}},
    }
    path.write_text(json.dumps({"nodes": {"model.x.kpi_queue_daily": node}}))
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_copies_tables_comments_and_audit(tmp_path: Path) -> None:
    wh, target = tmp_path / "wh.duckdb", tmp_path / "published" / "marts.duckdb"
    _warehouse(wh, [5, 7])
    report = publish(
        wh,
        target,
        TABLES,
        run_id="r1",
        lake_dir=tmp_path / "lake",
        manifest=_manifest(tmp_path / "m.json"),
    )
    assert report.row_counts == {"kpi_queue_daily": 2, "dim_team": 1, "audit_validation_results": 0}
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select sum(offered) from kpi_queue_daily").fetchone() == (12,)
    assert con.execute(
        "select comment from duckdb_tables() where table_name = 'kpi_queue_daily'"
    ).fetchone() == ("Queue KPIs per day",)
    assert con.execute(
        "select comment from duckdb_columns() where table_name = 'kpi_queue_daily' "
        "and column_name = 'offered'"
    ).fetchone() == ("Inbound segments that entered a queue",)
    assert con.execute("select table_name, row_count from publish_log order by 1").fetchall() == [
        ("audit_validation_results", 0),
        ("dim_team", 1),
        ("kpi_queue_daily", 2),
    ]
    con.close()
    assert not list(target.parent.glob("*.tmp-*"))
    # written in DuckDB 1.1's storage format (BI drivers bundle older DuckDBs than ours): the
    # header's magic bytes and version number, where every DuckDB reader looks first
    header = target.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == STORAGE_VERSION_NUMBER == 64


def test_failed_publish_leaves_the_file_untouched(tmp_path: Path) -> None:
    wh, target = tmp_path / "wh.duckdb", tmp_path / "marts.duckdb"
    _warehouse(wh, [1])
    publish(wh, target, TABLES, run_id="r1", lake_dir=tmp_path / "lake")
    before = _digest(target)
    con = duckdb.connect(str(wh))
    con.execute("create table kpi.kpi_leaky as select 'x' as team_id, '13800000000' as mobile_no")
    con.close()
    with pytest.raises(PublishError, match=r"kpi\.kpi_leaky.*mobile_no"):
        publish(
            wh,
            target,
            [*TABLES, TableRef("kpi", "kpi_leaky")],
            run_id="r2",
            lake_dir=tmp_path / "lake",
        )
    with pytest.raises(PublishError, match="not found"):
        publish(wh, target, [TableRef("kpi", "nope")], run_id="r3", lake_dir=tmp_path / "lake")
    assert _digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("marts")) == [
        "marts.duckdb"
    ]


READER = r"""
import sys, time, duckdb
path, go, done = sys.argv[1:4]
con = duckdb.connect(path, read_only=True)
print("before", con.execute("select sum(offered) from kpi_queue_daily").fetchone()[0], flush=True)
while not __import__("os").path.exists(go):
    time.sleep(0.05)
print("held", con.execute("select sum(offered) from kpi_queue_daily").fetchone()[0], flush=True)
con.close()
con = duckdb.connect(path, read_only=True)
new = con.execute("select sum(offered) from kpi_queue_daily").fetchone()[0]
print("reconnected", new, flush=True)
"""


def test_reader_holding_the_file_keeps_old_version_until_reconnect(tmp_path: Path) -> None:
    wh, target = tmp_path / "wh.duckdb", tmp_path / "marts.duckdb"
    _warehouse(wh, [1, 2])
    publish(wh, target, TABLES, run_id="r1", lake_dir=tmp_path / "lake")
    go = tmp_path / "go"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), str(go), ""],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None
    assert reader.stdout.readline().split() == ["before", "3"]
    _warehouse(wh, [10, 20, 30])
    report = publish(wh, target, TABLES, run_id="r2", lake_dir=tmp_path / "lake")
    assert report.row_counts["kpi_queue_daily"] == 3
    go.touch()
    out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0
    assert out.split() == ["held", "3", "reconnected", "60"]


def test_publish_asset_depends_on_marts_and_publishes(tmp_path: Path) -> None:
    settings = load_settings({"CSQ_HOME": str(tmp_path / "home"), "CSQ_PII_SALT": "t"})
    _warehouse(settings.warehouse, [4])
    kpi = dg.AssetKey(["kpi", "kpi_queue_daily"])
    asset = build_publish_asset(
        [kpi], [dg.AssetKey(["core", "dim_team"])], settings_fn=lambda: settings, manifest=None
    )
    assert set(asset.asset_deps[dg.AssetKey(["published", "marts"])]) == {
        kpi,
        dg.AssetKey(["core", "dim_team"]),
    }
    assert asset.group_names_by_key[dg.AssetKey(["published", "marts"])] == "publish"
    start = time.time()
    result = dg.materialize([asset], partition_key="2026-03-14", resources=run_resources(settings))
    assert result.success and time.time() - start < 60
    con = duckdb.connect(str(settings.published_db), read_only=True)
    assert con.execute("select offered from kpi_queue_daily").fetchall() == [(4,)]
    con.close()
