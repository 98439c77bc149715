"""A delivery's files replace the old ones as a unit, even under ``kill -9``: a load killed at
a step boundary the test controls (``CSQ_FAILPOINTS``) is undone or finished by recovery, and
nothing half-written survives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers.delivery import valid_row, write_delivery

from orchestration.contract import entities
from orchestration.defs.ingest.loader import load_delivery, recover_loads
from orchestration.lib.atomic import remove_leftovers
from orchestration.settings import Settings, load_settings

DAY = date(2026, 3, 14)
REPO = Path(__file__).resolve().parents[1]
LOAD = """
import sys
from datetime import date
from orchestration.defs.ingest.loader import load_delivery
from orchestration.settings import get_settings
load_delivery(get_settings(), "telephony", date.fromisoformat(sys.argv[1]), sys.argv[2])
"""


def _settings(home: Path, **env: str) -> Settings:
    return load_settings({"CSQ_HOME": str(home), "CSQ_PII_SALT": "t", **env})


def _deliver(settings: Settings, talk_s: str) -> None:
    """Every telephony entity with rows; ``talk_s`` tells the versions apart."""
    write_delivery(
        settings.landing_dir,
        "telephony",
        DAY,
        {
            "queues": [valid_row("telephony", "queues", i) for i in range(3)],
            "calls": [valid_row("telephony", "calls", i, talk_s=talk_s) for i in range(5)],
            "agent_states": [valid_row("telephony", "agent_states", i) for i in range(4)],
        },
        generated_at=f"2026-03-15T0{talk_s[-1]}:00:00+08:00",
    )


def _load_ids(settings: Settings) -> dict[str, set[str]]:
    """The load id(s) in each raw and quarantine partition of the day."""
    out = {}
    for ent in entities("telephony"):
        for root in (settings.raw_dir, settings.quarantine_dir):
            path = root / "telephony" / ent.name / f"business_date={DAY}" / "data.parquet"
            column = "_load_id" if root == settings.raw_dir else "load_id"
            ids = set(pq.read_table(path, columns=[column]).column(column).to_pylist())
            out[f"{root.name}/{ent.name}"] = ids or {"(empty)"}
    return out


def _killed_load(settings: Settings, point: str, load_id: str) -> None:
    """Run a load in a child process that stops at ``point``; kill -9 it there."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("CSQ_", "DAGSTER_"))}
    env = {
        **inherited,
        "CSQ_HOME": str(settings.home),
        "CSQ_PII_SALT": "t",
        "CSQ_FAILPOINTS": point,
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen([sys.executable, "-c", LOAD, DAY.isoformat(), load_id], env=env)
    marker = settings.home / "failpoints" / f"{point}.{proc.pid}"
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the load ended before reaching the failpoint"
        assert time.monotonic() < deadline, f"never reached {point}"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = _settings(tmp_path / "home")
    _deliver(s, "1")
    load_delivery(s, "telephony", DAY, "old")
    return s


def _staged(settings: Settings) -> list[Path]:
    return sorted(settings.lake_dir.rglob(".*.staged"))


def test_a_load_killed_before_the_switch_leaves_the_old_delivery(settings: Settings) -> None:
    _deliver(settings, "2")  # the re-send
    _killed_load(settings, "journal.staged", "killed")
    assert set().union(*_load_ids(settings).values()) <= {"old", "(empty)"}  # untouched
    assert _staged(settings)  # what the killed load wrote is still lying there
    (recovered,) = recover_loads(settings)
    assert recovered.action == "back" and recovered.meta["load_id"] == "killed"
    assert _staged(settings) == [] and not list(settings.journal_dir.glob("*.json"))
    audit = pq.read_table(
        settings.audit_dir / "load_audit" / "telephony" / f"business_date={DAY}" / "killed.parquet"
    ).to_pylist()
    assert [(r["status"], r["load_id"]) for r in audit] == [("aborted", "killed")]
    assert "rolled back" in audit[0]["message"]
    assert set().union(*_load_ids(settings).values()) <= {"old", "(empty)"}


def test_a_load_killed_half_way_through_the_switch_is_finished(settings: Settings) -> None:
    _deliver(settings, "2")
    _killed_load(settings, "journal.renamed_half", "killed")
    mixed = set().union(*_load_ids(settings).values()) - {"(empty)"}
    assert mixed == {"old", "killed"}  # what a reader would see without recovery
    (recovered,) = recover_loads(settings)
    assert recovered.action == "forward"
    assert set().union(*_load_ids(settings).values()) - {"(empty)"} == {"killed"}
    calls = settings.raw_dir / "telephony" / "calls" / f"business_date={DAY}" / "data.parquet"
    assert set(pq.read_table(calls).column("talk_s").to_pylist()) == {2}  # the re-send, whole
    audit = settings.audit_dir / "load_audit" / "telephony" / f"business_date={DAY}"
    rows = pq.read_table(audit / "killed.parquet").to_pylist()
    assert {r["status"] for r in rows} == {"loaded"} and len(rows) == 3
    assert _staged(settings) == []


def test_recovery_and_leftover_cleanup_are_idempotent(settings: Settings) -> None:
    stray = settings.raw_dir / "telephony" / "calls" / f"business_date={DAY}" / ".x.ab12.tmp"
    stray.write_bytes(b"half a parquet file")
    assert recover_loads(settings) == []
    assert remove_leftovers(settings.lake_dir) == [stray]
    assert remove_leftovers(settings.lake_dir) == []
    assert set().union(*_load_ids(settings).values()) <= {"old", "(empty)"}
