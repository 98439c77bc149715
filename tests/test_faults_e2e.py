"""Faults and concurrency, as a user meets them with ``csq run``: one run at a time per home,
``kill -9`` at the step boundaries the test controls (``CSQ_FAILPOINTS``), and the next run
cleaning up after the killed one (its Dagster run marked failed, the half-written delivery
undone, temp files of a killed publish removed, a killed run's dbt child gone with it)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from orchestration.lib.run_lock import lock_path, read_holder

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("faults")]

CSQ = str(Path(sys.executable).parent / "csq")
D1, D2 = date(2026, 5, 1), date(2026, 5, 2)


@dataclass(frozen=True)
class Home:
    path: Path
    env: dict[str, str]

    def csq(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CSQ, *args], env={**self.env, **env}, capture_output=True, text=True, timeout=900
        )

    def start(self, log: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        out = open(self.path / log, "wb")  # noqa: SIM115 - the child writes it until killed
        env = {**self.env, "PYTHONUNBUFFERED": "1", **env}
        return subprocess.Popen([CSQ, *args], env=env, stdout=out, stderr=out)

    @property
    def published(self) -> Path:
        return self.path / "published" / "marts.duckdb"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    path = tmp_path_factory.mktemp("faults")
    env = {**os.environ, "CSQ_HOME": str(path), "CSQ_PII_SALT": "t", "CSQ_DBT_TARGET": "ci"}
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR"):
        env.pop(var, None)
    h = Home(path, env)
    landing = str(path / "landing")
    gen = h.csq("generate", "--out", landing, "--start", str(D1), "--days", "2", "--agents", "20")
    assert gen.returncode == 0, gen.stderr[-2000:]
    first = h.csq("run", "--end", str(D1))
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    return h


def _wait_for(what: str, found: Callable[[], object], proc: subprocess.Popen, limit: float = 300):
    deadline = time.monotonic() + limit
    while not (value := found()):
        assert proc.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.1)
    return value


def _marker(h: Home, point: str, proc: subprocess.Popen) -> Callable[[], bool]:
    return lambda: (h.path / "failpoints" / f"{point}.{proc.pid}").exists()


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live descendant of ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
        except (OSError, KeyError, ValueError):
            continue
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        out.append((p, cmd))
        todo += children.get(p, [])
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


def _run_status(h: Home, run_id: str) -> str:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(h.path / "dagster")) as instance:
        return instance.get_run_by_id(run_id).status.value


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resend_calls(folder: Path) -> None:
    """A corrected re-send of the day's calls (one talk time changed), newer manifest."""
    path = folder / "calls.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.loc[0, "talk_s"] = str(int(df.loc[0, "talk_s"] or 0) + 1)
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    manifest = json.loads((folder / "_manifest.json").read_text())
    for f in manifest["files"]:
        if f["entity"] == "calls":
            f["sha256"] = _sha(path)
    at = pd.Timestamp(manifest["generated_at"]) + timedelta(hours=1)
    manifest["generated_at"] = at.isoformat()
    (folder / "_manifest.json").write_text(json.dumps(manifest))


def test_one_run_at_a_time_and_the_next_run_cleans_up_a_killed_load(home: Home) -> None:
    _resend_calls(home.path / "landing" / "telephony" / str(D1))
    day = ["--start", str(D1), "--end", str(D1)]
    killed = home.start("killed-load.log", "run", *day, CSQ_FAILPOINTS="journal.staged")
    _wait_for("the staged re-send", _marker(home, "journal.staged", killed), killed)
    holder = read_holder(lock_path(home.path))
    assert holder is not None and holder.pid == killed.pid

    second = home.csq("run", *day)
    assert second.returncode == 3, second.stdout + second.stderr
    assert (
        f"another run ({holder.run_id}, started at {holder.started_at}, pid {killed.pid}"
        in second.stderr
    )
    _kill(killed)
    assert _run_status(home, holder.run_id) == "STARTED"  # what kill -9 leaves behind

    after = home.csq("run", *day)
    assert after.returncode == 0, (after.stdout + after.stderr)[-4000:]
    assert f"cleanup: run {holder.run_id} was left running by a dead process" in after.stdout
    # the first source the killed run loaded was half-written (staged, never switched in)
    assert re.search(
        rf"cleanup: delivery [a-z]+ {D1} \(load {holder.run_id}\) was half-written by a killed "
        r"load: undone \(rolled back\)",
        after.stdout,
    ), after.stdout[:3000]
    assert _run_status(home, holder.run_id) == "FAILURE"
    raw = home.path / "lake" / "raw" / "telephony"
    run_id = json.loads((home.path / "reports" / "last_run_summary.json").read_text())["run"]
    for entity in ("queues", "calls", "agent_states"):
        table = pq.read_table(raw / entity / f"business_date={D1}" / "data.parquet")
        assert set(table.column("_load_id").to_pylist()) <= {run_id["run_id"]}, entity
    assert not list((home.path / "lake").rglob(".*.staged"))


def test_a_killed_publish_and_a_killed_dbt_leave_nothing_behind(home: Home) -> None:
    day = ["--start", str(D2), "--end", str(D2)]
    before = _sha(home.published)
    publish = home.start("killed-publish.log", "run", *day, CSQ_FAILPOINTS="publish.copied")
    _wait_for("the publish copy", _marker(home, "publish.copied", publish), publish, 600)
    _kill(publish)
    temps = list(home.published.parent.glob("marts.duckdb.tmp-*"))
    assert temps and _sha(home.published) == before  # BI still reads the last good file

    run = home.start("killed-dbt.log", "run", *day)
    dbt = _wait_for(
        "a dbt child",
        lambda: [p for p, cmd in _descendants(run.pid) if "/dbt build" in cmd],
        run,
    )
    _kill(run)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in dbt) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in dbt), "dbt outlived the killed run"
    assert not list(home.published.parent.glob("marts.duckdb.tmp-*"))  # removed at its start
    assert "removed leftover" in (home.path / "killed-dbt.log").read_text()

    final = home.csq("run", *day)
    assert final.returncode == 0, (final.stdout + final.stderr)[-4000:]
    assert _sha(home.published) != before
    assert not list(home.path.rglob("*.tmp-*")) and not list(home.path.rglob(".*.staged"))
