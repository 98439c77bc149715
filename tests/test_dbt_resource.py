"""The dbt CLI resource skips dagster-dbt's in-process adapter and ``dbt --version``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.resource import CsqDbtCliResource, dbt_resource
from orchestration.settings import load_settings


def test_overridden_private_methods_still_exist_in_dagster_dbt() -> None:
    # If an upgrade renames them, the overrides silently stop saving time: fail here instead.
    for name in ("_initialize_dbt_core_adapter", "_cli_version"):
        assert name in vars(DbtCliResource), name
        assert name in vars(CsqDbtCliResource), name


def test_version_is_the_one_the_dbt_executable_reports() -> None:
    dbt = Path(sys.executable).parent / "dbt"
    reported = subprocess.run([dbt, "--version"], capture_output=True, text=True, check=True)
    assert f"installed: {dbt_resource()._cli_version}" in reported.stdout


def test_invocation_runs_dbt_without_an_adapter_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings({"CSQ_HOME": str(tmp_path / "home"), "CSQ_PII_SALT": "t"})
    for name, value in settings.subprocess_env().items():
        monkeypatch.setenv(name, value)
    invocation = dbt_resource().cli(
        ["ls", "--select", "dim_channel", "--output", "name"], target_path=tmp_path / "target"
    )
    messages = [e.raw_event["info"]["msg"] for e in invocation.stream_raw_events()]
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert "dim_channel" in messages


def test_a_home_keeps_its_own_dbt_parse_state(tmp_path: Path) -> None:
    """dbt's parse state is kept per home (the profile holds the home's warehouse path, so a
    state parsed for another home makes dbt re-parse the whole project)."""
    from orchestration.defs.dbt.assets import (
        PARTIAL_PARSE,
        PARTIAL_PARSE_CACHE,
        keep_partial_parse,
        partial_parse_from,
    )

    home, invocation, project = tmp_path / "home", tmp_path / "target-1", tmp_path / "project"
    invocation.mkdir()
    project.write_bytes(b"state-of-the-prepare-home")
    assert partial_parse_from(home) is None  # first run: the copy from dbt_project/target
    keep_partial_parse(invocation, home, project)  # dbt wrote no state: nothing to keep
    assert not (home / PARTIAL_PARSE_CACHE).exists()
    (invocation / PARTIAL_PARSE).write_bytes(b"state-1")  # dbt re-parsed for this home
    keep_partial_parse(invocation, home, project)
    assert partial_parse_from(home) == str(home / PARTIAL_PARSE_CACHE)
    assert (home / PARTIAL_PARSE_CACHE).read_bytes() == b"state-1"
    # dbt started from the home's state and had nothing to write: the folder holds only
    # dagster-dbt's copy of the project's state, which must not replace the home's
    (invocation / PARTIAL_PARSE).write_bytes(b"state-of-the-prepare-home")
    keep_partial_parse(invocation, home, project)
    assert (home / PARTIAL_PARSE_CACHE).read_bytes() == b"state-1"
    (invocation / PARTIAL_PARSE).write_bytes(b"state-2")  # re-parsed a changed file
    keep_partial_parse(invocation, home, project)
    assert (home / PARTIAL_PARSE_CACHE).read_bytes() == b"state-2"
    assert [p.name for p in (home / PARTIAL_PARSE_CACHE).parent.iterdir()] == [
        PARTIAL_PARSE_CACHE.name
    ]


def test_a_failed_dbt_steps_debug_log_is_kept_beside_the_run_logs(tmp_path: Path) -> None:
    from orchestration.defs.dbt.assets import keep_failed_dbt_log

    home, invocation = tmp_path / "home", tmp_path / "target-1"
    invocation.mkdir()
    assert keep_failed_dbt_log(invocation, home, "dbt_kpi_marts", "r1") is None
    (invocation / "dbt.log").write_text("Database Error in model kpi_queue_daily\n")
    kept = keep_failed_dbt_log(invocation, home, "dbt_kpi_marts", "r1")
    assert kept == home / "logs" / "dbt-dbt_kpi_marts-r1.log"
    assert kept.read_text() == "Database Error in model kpi_queue_daily\n"
    assert not (invocation / "dbt.log").exists()
