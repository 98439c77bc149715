"""The README's quick start is the product: ``make demo`` (= ``csq demo`` after set-up) must
run the whole pipeline to a published file on a fresh home, and ``make test`` is what CI
runs. The demo runs here through its own code path at a small scale (its options)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("demo")]

REPO = Path(__file__).resolve().parents[1]
CSQ = str(Path(sys.executable).parent / "csq")


def _target(name: str) -> list[str]:
    """The recipe lines of one Makefile target."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}:.*\n((?:\t.*\n)+)", text, flags=re.MULTILINE)
    assert match, f"Makefile has no target {name}"
    return [line.strip() for line in match.group(1).splitlines()]


def test_the_quick_start_is_the_two_make_targets_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert _target("demo") == ["$(BIN)/csq demo"]
    assert "exec make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_csq_demo_runs_to_a_published_file_on_a_fresh_home(tmp_path: Path) -> None:
    env = {**os.environ, "CSQ_HOME": str(tmp_path / "home"), "CSQ_DBT_TARGET": "ci"}
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR", "CSQ_PII_SALT"):
        env.pop(var, None)
    args = ["demo", "--start", "2026-05-01", "--days", "3", "--agents", "20"]
    proc = subprocess.run([CSQ, *args], env=env, capture_output=True, text=True, timeout=1200)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "== csq run SUCCEEDED: 2026-05-01 .. 2026-05-03" in proc.stdout
    published = tmp_path / "home" / "published" / "marts.duckdb"
    assert re.search(rf"published_marts +{re.escape(str(published))}\n", proc.stdout)
    with duckdb.connect(str(published), read_only=True) as con:
        (calls,) = con.execute("select sum(offered) from kpi_queue_daily").fetchone()
        days = con.execute("select count(distinct date) from kpi_queue_daily").fetchone()[0]
    assert calls > 0 and days == 3
    again = subprocess.run([CSQ, *args], env=env, capture_output=True, text=True, timeout=1200)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert "Sample deliveries already in" in again.stdout  # a second demo reuses them
