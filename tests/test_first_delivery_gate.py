"""A first-ever delivery has no history to compare volumes with: the quarantine checks must
still stop a day whose rows are all unparseable, and nothing is published."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("first_delivery")]

CSQ = str(Path(sys.executable).parent / "csq")
DAY = date(2026, 5, 1)


def _spoil_every_hire_date(folder: Path) -> int:
    """Rewrite ``employees.csv`` with a hire date no calendar has on every row and re-issue the
    manifest (the source system wrote and counted these rows: a row-level fault)."""
    path = folder / "employees.csv"
    text = path.read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    column = rows[0].index("hire_date")
    for row in rows[1:]:
        row[column] = "2026-13-45"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("gb18030"))
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["entity"] == "employees":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return len(rows) - 1


def test_an_unparseable_first_delivery_fails_the_run_and_publishes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "CSQ_HOME": str(home), "CSQ_PII_SALT": "t", "CSQ_DBT_TARGET": "ci"}
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR"):
        env.pop(var, None)

    def csq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CSQ, *args], env=env, capture_output=True, text=True, timeout=900)

    landing = home / "landing"
    gen = csq(
        "generate", "--out", str(landing), "--start", str(DAY), "--days", "1", "--agents", "20"
    )
    assert gen.returncode == 0, gen.stderr[-3000:]
    n = _spoil_every_hire_date(landing / "hr" / DAY.isoformat())
    for stray in ("zz_unknown/2027-06-01", "crm/0001-01-01"):  # never widen the run
        (landing / stray).mkdir(parents=True)
        (landing / stray / "_manifest.json").write_text("{}", encoding="utf-8")

    run = csq("run")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out[-4000:]
    assert "== csq run FAILED" in run.stdout
    assert not (home / "published" / "marts.duckdb").exists()
    summary = json.loads((home / "reports" / "last_run_summary.json").read_text())
    assert (summary["run"]["start"], summary["run"]["end"]) == (DAY.isoformat(), DAY.isoformat())
    assert summary["ignored_in_landing"] == [
        "crm/0001-01-01: before the first partition (2025-01-01, CSQ_PARTITIONS_START)",
        "zz_unknown: not a source of the contract (crm, telephony, survey, hr)",
    ]
    assert "ignored in the landing folder" in run.stdout
    employees = summary["raw_by_entity"]["hr.employees"]
    assert (employees["loaded"], employees["quarantined"]) == (0, n)
    assert employees["top_reasons"] == {"bad_type:hire_date": n}
    (failed,) = [c for c in summary["checks"]["failed"] if c["asset"] == "raw/hr/employees"]
    assert failed["severity"] == "ERROR"
    assert (
        f"{DAY}: none of {n:,} delivered rows loaded: bad_type:hire_date {n:,}"
        in (failed["description"])
    )
    assert "hr.employees" in run.stdout and "100.00%" in run.stdout
