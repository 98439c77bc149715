"""Configuration: defaults under CSQ_HOME, overrides from the environment, demo-salt warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from orchestration.settings import DEMO_PII_SALT, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_defaults_live_under_csq_home(tmp_path: Path) -> None:
    s = load_settings({"CSQ_HOME": str(tmp_path / "h"), "CSQ_PII_SALT": "x"})
    assert s.landing_dir == tmp_path / "h" / "landing"
    assert s.warehouse == tmp_path / "h" / "warehouse.duckdb"
    assert s.dagster_home == tmp_path / "h" / "dagster"
    assert s.raw_dir == tmp_path / "h" / "lake" / "raw"
    assert s.published_db == tmp_path / "h" / "published" / "marts.duckdb"
    assert not s.salt_is_demo


def test_overrides_and_subprocess_env(tmp_path: Path) -> None:
    env = {
        "CSQ_HOME": str(tmp_path),
        "CSQ_LANDING_DIR": str(tmp_path / "drop"),
        "CSQ_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dh"),
        "CSQ_PII_SALT": "secret",
        "CSQ_PARTITIONS_START": "2026-01-01",
    }
    s = load_settings(env)
    assert s.landing_dir == tmp_path / "drop"
    assert s.partitions_start.isoformat() == "2026-01-01"
    sub = s.subprocess_env()
    assert sub["CSQ_WAREHOUSE"] == str(tmp_path / "w.duckdb")
    assert sub["CSQ_LAKE_DIR"] == str(tmp_path / "lake")
    assert sub["CSQ_PII_SALT"] == "secret"
    assert sub["DO_NOT_TRACK"] == "1"


def test_the_engine_picks_the_dbt_target_and_reaches_dbt(tmp_path: Path) -> None:
    base = {"CSQ_HOME": str(tmp_path), "CSQ_PII_SALT": "x"}
    duck = load_settings(base)
    assert (duck.engine, duck.dbt_target) == ("duckdb", "dev")
    spark = load_settings({**base, "CSQ_ENGINE": " Spark "})
    assert (spark.engine, spark.dbt_target) == ("spark", "spark")
    assert spark.subprocess_env()["CSQ_ENGINE"] == "spark"
    assert spark.subprocess_env()["CSQ_SPARK_DIR"] == str(tmp_path / "spark")
    # the Spark environment's python: the venv's own path (a symlink), never its target
    assert spark.spark_python == REPO / "spark" / ".venv" / "bin" / "python"
    assert spark.subprocess_env()["CSQ_SPARK_PYTHON"] == str(spark.spark_python)
    # an explicit target wins (a cluster's thrift output, docs/scale-out.md)
    thrift = load_settings({**base, "CSQ_ENGINE": "spark", "CSQ_DBT_TARGET": "spark_thrift"})
    assert thrift.dbt_target == "spark_thrift"
    with pytest.raises(ValueError, match="CSQ_ENGINE='postgres'"):
        load_settings({**base, "CSQ_ENGINE": "postgres"})


def test_missing_salt_falls_back_loudly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        s = load_settings({"CSQ_HOME": str(tmp_path)})
    assert s.pii_salt == DEMO_PII_SALT and s.salt_is_demo
    assert "CSQ_PII_SALT" in caplog.text


def test_env_var_is_restored_after_the_block_also_on_error(monkeypatch) -> None:
    import os

    import pytest

    from orchestration.lib.env import env_var

    monkeypatch.setenv("CSQ_TEST_VAR", "before")
    monkeypatch.delenv("CSQ_TEST_UNSET", raising=False)
    with pytest.raises(RuntimeError), env_var("CSQ_TEST_VAR", "inside"):
        assert os.environ["CSQ_TEST_VAR"] == "inside"
        raise RuntimeError
    assert os.environ["CSQ_TEST_VAR"] == "before"
    with env_var("CSQ_TEST_UNSET", "x"):
        assert os.environ["CSQ_TEST_UNSET"] == "x"
    assert "CSQ_TEST_UNSET" not in os.environ
    with env_var("CSQ_TEST_VAR", None):
        assert os.environ["CSQ_TEST_VAR"] == "before"
