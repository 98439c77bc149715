"""The Spark engine (``CSQ_ENGINE=spark``, issue 17) builds the same marts as DuckDB.

One generated lake (late June to early July: a CSI wave, the H1 pulse, a month boundary) is
built twice by the same dbt project: on DuckDB (target ``ci``) and on a local Spark session
(target ``spark``, through ``csq-dbt``), each with its dbt tests. Every kpi mart must then be
equal row by row (floating-point tolerance only), and the pseudonyms identical.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib.spark_catalog import parquet_scan, refresh_views, spark_tables
from orchestration.lib.spark_session import pseudonymise_function_sql, spark_conf
from tests.helpers.generated_lake import (
    CSQ_DBT,
    REPO,
    BuildFailed,
    GeneratedWarehouse,
    build_generated_warehouse,
    run_dbt,
)

pytestmark = pytest.mark.integration

SALT = "spark-equivalence-salt"
SELECT = ["+path:models/marts/kpi"]
PSEUDONYMS = {  # staging model -> (key, pseudonymised columns)
    "stg_crm__customers": (
        "customer_id",
        ["customer_name_hmac", "mobile_no_hmac", "id_card_no_hmac"],
    ),
    "stg_hr__employees": ("employee_id", ["full_name_hmac", "id_card_no_hmac", "mobile_no_hmac"]),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedWarehouse]:
    home = tmp_path_factory.mktemp("spark_home")
    duck = build_generated_warehouse(
        home, date(2026, 6, 24), 9, agents=20, seed=17, select=SELECT, salt=SALT
    )
    spark = GeneratedWarehouse(duck.settings, home / "dbt_target_spark")
    run_dbt(
        spark,
        *("build", "--indirect-selection", "cautious", "--exclude", "test_type:unit"),
        *("--select", *SELECT),
        engine="spark",
    )
    yield duck


def _kpi_models(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return sorted(
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "kpi"
    )


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _spark_table(warehouse: GeneratedWarehouse, schema: str, table: str) -> pd.DataFrame:
    folder = spark_tables(warehouse.settings)[(schema, table)]
    return duckdb.sql(f"select * from {parquet_scan(folder)}").df()


def test_spark_wrote_every_selected_model_and_its_tests_passed(built: GeneratedWarehouse) -> None:
    results = json.loads(
        (built.target.parent / "dbt_target_spark" / "run_results.json").read_text()
    )
    statuses = {
        r["unique_id"]: r["status"]
        for r in results["results"]
        if not r["unique_id"].startswith("exposure.")  # exposures are no-ops
    }
    assert statuses and all(s in ("success", "pass") for s in statuses.values()), statuses
    assert sum(uid.startswith("test.") for uid in statuses) > 100  # the tests ran on Spark
    kpi = {t for s, t in spark_tables(built.settings) if s == "kpi"}
    assert kpi == set(_kpi_models(built.target))


def test_every_kpi_mart_equals_the_duckdb_build(built: GeneratedWarehouse) -> None:
    models = _kpi_models(built.target)
    assert len(models) >= 13
    for model in models:
        duck = built.query(f"select * from kpi.{model}")
        spark = _spark_table(built, "kpi", model)
        assert len(duck) > 0, f"kpi.{model} is empty: the test lake is too thin to compare it"
        assert list(spark.columns) == list(duck.columns), model
        pd.testing.assert_frame_equal(
            _sorted(spark), _sorted(duck), check_dtype=False, rtol=1e-9, obj=f"kpi.{model}"
        )


@pytest.mark.parametrize("model", sorted(PSEUDONYMS))
def test_pseudonyms_are_identical_on_both_engines(built: GeneratedWarehouse, model: str) -> None:
    key, columns = PSEUDONYMS[model]
    cols = ", ".join([key, *columns])
    duck = built.query(f"select {cols} from staging.{model}")
    spark = _spark_table(built, "staging", model)[[key, *columns]]
    assert len(duck) > 0 and duck[columns].notna().any().all()
    pd.testing.assert_frame_equal(_sorted(spark), _sorted(duck), obj=f"staging.{model}")
    # ...and both are Python's HMAC of the raw value under the salt
    raw_col = columns[1].removesuffix("_hmac")
    source = "crm/customers" if model == "stg_crm__customers" else "hr/employees"
    raw_key, raw_value = duckdb.sql(
        f"select {key}, {raw_col} from "
        f"read_parquet('{built.settings.raw_dir}/{source}/*/data.parquet') "
        f"where {raw_col} is not null limit 1"
    ).fetchall()[0]
    expected = hmac.new(SALT.encode(), raw_value.encode(), hashlib.sha256).hexdigest()
    assert spark.loc[spark[key] == raw_key, columns[1]].tolist() == [expected]


def test_refresh_views_gives_duckdb_readers_the_spark_tables(
    built: GeneratedWarehouse, tmp_path: Path
) -> None:
    settings = replace(built.settings, warehouse=tmp_path / "views.duckdb")
    n = refresh_views(settings)
    assert n == len(spark_tables(settings))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        via_view = con.execute("select count(*) from kpi.kpi_queue_daily").fetchone()[0]
    assert via_view == len(built.query("select * from kpi.kpi_queue_daily")) > 0


def test_the_spark_session_stays_on_loopback_and_under_the_home(tmp_path: Path) -> None:
    conf = spark_conf({"CSQ_SPARK_DIR": str(tmp_path / "spark")})
    assert conf["spark.driver.bindAddress"] == conf["spark.driver.host"] == "127.0.0.1"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "spark" / "warehouse")
    assert str(tmp_path / "spark" / "metastore") in conf["javax.jdo.option.ConnectionURL"]
    assert conf["spark.master"].startswith("local[")
    assert (
        spark_conf({"CSQ_SPARK_DIR": "/x", "CSQ_SPARK_MASTER": "spark://h:7077"})["spark.master"]
        == "spark://h:7077"
    )


def test_the_spark_hmac_function_keeps_the_salt_out_of_dbt(tmp_path: Path) -> None:
    """The salt itself never appears in the function's SQL (only its HMAC pads, registered
    from Python on the session), and the function is not in the dbt project."""
    sql = pseudonymise_function_sql("a-very-secret-salt")
    assert "a-very-secret-salt" not in sql and "sha2(" in sql
    dbt_sources = [
        f for d in ("models", "macros") for f in (REPO / "dbt_project" / d).rglob("*.sql")
    ]
    assert not any("unhex(" in f.read_text() for f in dbt_sources)


def test_a_broken_kpi_constraint_fails_the_spark_build(
    built: GeneratedWarehouse, tmp_path: Path
) -> None:
    """Parquet tables hold no constraints: the post-hook checks them on the built table and
    fails the model (so the run stops before publish). Proved with a copy of the project
    whose kpi_queue_daily gets an impossible check."""
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    models = project / "models" / "marts" / "kpi" / "_kpi__service_models.yml"
    offered = (
        "  - name: offered\n    description: '{{ doc(''svc_offered'') }}'\n    data_type: bigint\n"
    )
    text = models.read_text()
    # kpi_queue_daily is the file's first model; its `offered` the first of that name
    assert text.index("- name: kpi_queue_daily") < text.index(offered)
    assert text.index(offered) < text.index("- name: kpi_queue_interval")
    check = "    constraints:\n    - type: check\n      expression: 'offered < 0'\n"
    models.write_text(text.replace(offered, offered + check, 1))
    with pytest.raises(BuildFailed, match=r"rc=1") as failed:
        run_dbt(
            built,
            *("run", "--select", "kpi_queue_daily"),
            engine="spark",
            project_dir=project,
            target=tmp_path / "target",
        )
    assert "breaks its contract's constraints" in str(failed.value)
    assert "rows where not (offered < 0)" in str(failed.value)


def _locked(lock: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["package"]}


def test_the_spark_environment_runs_the_pipelines_dbt_and_keeps_pyspark_out_of_it() -> None:
    """dbt-spark and pyspark live in ``spark/`` (csq-dbt runs that environment's dbt), on the
    same dbt-core, adapters and common libraries as the pipeline's environment."""
    main, spark = _locked(REPO / "uv.lock"), _locked(REPO / "spark" / "uv.lock")
    assert "pyspark" not in main and "dbt-spark" not in main
    assert {"pyspark", "dbt-spark"} <= set(spark)
    for package in ("dbt-core", "dbt-adapters", "dbt-common"):
        assert spark[package] == main[package], package


def test_csq_dbt_on_spark_without_the_spark_environment_says_how_to_get_it(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-spark-env" / "bin" / "python"
    env = {**os.environ, "CSQ_ENGINE": "spark", "CSQ_SPARK_PYTHON": str(missing)}
    done = subprocess.run(
        [str(CSQ_DBT), "debug"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert str(missing) in done.stderr and "make spark-setup" in done.stderr
