"""The local Spark session dbt-spark's ``session`` method runs in (``CSQ_ENGINE=spark``).

This module runs in the Spark environment (``spark/``: dbt-spark, pyspark; ``make
spark-setup``), started by ``csq-dbt`` as ``python -m orchestration.lib.spark_session <dbt
arguments>``; it imports nothing but the standard library, pyspark and dbt.

dbt-spark's session method calls ``SparkSession.builder...getOrCreate()`` on every statement,
so whoever creates the session first fixes its static configuration. ``csq-dbt`` creates it
here, before dbt starts, with:

- the warehouse and the Derby metastore under ``$CSQ_SPARK_DIR`` (never the working folder);
- the driver on 127.0.0.1, no web UI, ``local[N]`` (``CSQ_SPARK_MASTER`` to override);
- session time zone UTC, so timestamps print and hash as the DuckDB build's do;
- the temporary SQL function ``csq_pseudonymise(x)``: the same salted HMAC-SHA256 as
  DuckDB's macro (:mod:`orchestration.lib.pseudonymise`), registered from Python so the
  key material never appears in dbt's compiled SQL or logs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.lib.pseudonymise import hmac_pads

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_conf(env: Mapping[str, str]) -> dict[str, str]:
    """Static Spark configuration for the home whose dbt environment is ``env``."""
    spark_dir = Path(env["CSQ_SPARK_DIR"])
    return {
        "spark.master": env.get("CSQ_SPARK_MASTER") or f"local[{os.cpu_count() or 2}]",
        "spark.app.name": "csq-dbt",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir / 'metastore'}",
        "javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir / 'metastore' / 'metastore_db'};create=true"
        ),
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # no progress bars in dbt's output
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": env.get("CSQ_SPARK_SHUFFLE_PARTITIONS") or "4",
        "spark.driver.memory": env.get("CSQ_SPARK_DRIVER_MEMORY") or "2g",
        "spark.sql.ansi.enabled": "false",  # what dbt-spark sets for every session
    }


def pseudonymise_function_sql(salt: str, name: str = "csq_pseudonymise") -> str:
    """``CREATE TEMPORARY FUNCTION``: RFC 2104 HMAC-SHA256 in Spark SQL, lowercase hex."""
    ipad, opad = hmac_pads(salt)
    return (
        f"create or replace temporary function {name}(x string) returns string return "
        f"case when x is null then null else sha2(concat(unhex('{opad}'), "
        f"unhex(sha2(concat(unhex('{ipad}'), encode(x, 'UTF-8')), 256))), 256) end"
    )


def start_session(env: Mapping[str, str]) -> SparkSession:
    """Create (or return) the process's Spark session for ``env`` and register the
    pseudonymisation function keyed with ``CSQ_PII_SALT``."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # bind the JVM to loopback too
    from pyspark.sql import SparkSession

    salt = env.get("CSQ_PII_SALT")
    if not salt:
        raise ValueError("CSQ_PII_SALT is empty: the Spark engine cannot pseudonymise")
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(env).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sql(pseudonymise_function_sql(salt))
    return session


def main(argv: list[str]) -> int:
    """``dbt <argv>`` in this process, inside the Spark session dbt-spark's ``session`` method
    will reuse; dbt's return code (0 ok, 1 failures, 2 error)."""
    from dbt.cli.main import dbtRunner

    session = start_session(os.environ)
    try:
        result = dbtRunner().invoke(argv)
    finally:
        session.stop()
    return 0 if result.success else (1 if result.exception is None else 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
