"""Lint is part of the suite: ruff on Python, sqlfluff (dbt templater) on every dbt model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from orchestration.lib.raw_schema import write_empty_lake

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_ruff_is_clean() -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [str(BIN / "ruff"), *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.xdist_group("sqlfluff")
def test_sqlfluff_is_clean(tmp_path: Path) -> None:
    write_empty_lake(tmp_path / "lake" / "raw", date(2026, 1, 1))
    env = {
        **os.environ,
        "CSQ_HOME": str(tmp_path),
        "CSQ_WAREHOUSE": str(tmp_path / "lint.duckdb"),
        "CSQ_LAKE_DIR": str(tmp_path / "lake"),
        "CSQ_PII_SALT": "lint",
        "DO_NOT_TRACK": "1",
    }
    result = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "--format", "json"],
        cwd=ROOT / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    files = json.loads(result.stdout)
    assert len(files) > 50
    problems = [
        f"{f['filepath']}:{v.get('start_line_no', v.get('line_no'))} {v['code']} {v['description']}"
        for f in files
        for v in f["violations"]
    ]
    assert not problems, "\n".join(problems[:40])
