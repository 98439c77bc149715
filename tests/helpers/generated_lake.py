"""Build a warehouse from generated sample data the cheapest real way: the project's generator
(``synthetic.generate``), the loader (``load_deliveries``, no Dagster) and ``dbt build`` of the
selected models with their parents, all under one temporary ``CSQ_HOME``.

``build_generated_warehouse(home, start, days, agents=..., seed=..., select=["+kpi_x"])``
returns the :class:`GeneratedWarehouse`; its ``query`` reads the DuckDB file read-only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import SOURCES
from orchestration.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
CSQ_DBT = Path(sys.executable).with_name("csq-dbt")


class BuildFailed(RuntimeError):
    """A step of the build failed; the message names the step and carries its output."""


@dataclass(frozen=True)
class GeneratedWarehouse:
    settings: Settings
    target: Path
    """dbt's target path (``run_results.json``, compiled SQL, logs)."""

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql).df()


def build_generated_warehouse(
    home: Path,
    start: date,
    days: int,
    *,
    agents: int,
    seed: int,
    select: Sequence[str],
    salt: str = "test-salt",
    loaded_days: int | None = None,
) -> GeneratedWarehouse:
    """Generate ``days`` of deliveries from ``start``, load the first ``loaded_days`` (default
    all) of every source into the raw lake and ``dbt build`` ``select`` (unit tests excluded,
    tests of unselected models skipped)."""
    from synthetic.generator import generate

    settings = load_settings({"CSQ_HOME": str(home), "CSQ_PII_SALT": salt, "CSQ_DBT_TARGET": "ci"})
    generate(settings.landing_dir, start, days, agents=agents, seed=seed)
    dates = [start + timedelta(days=i) for i in range(days if loaded_days is None else loaded_days)]
    load_dates(settings, dates, load_id=f"test-seed-{seed}")
    warehouse = GeneratedWarehouse(settings, home / "dbt_target")
    run_dbt(
        warehouse,
        "build",
        "--indirect-selection",
        "cautious",
        "--exclude",
        "test_type:unit",
        "--select",
        *select,
    )
    return warehouse


def load_dates(settings: Settings, dates: Sequence[date], *, load_id: str) -> None:
    """Load the landed deliveries of ``dates`` of every source into the raw lake."""
    from orchestration.defs.ingest.loader import load_deliveries

    for source in SOURCES:
        summary = load_deliveries(settings, source, list(dates), load_id=load_id)
        if summary.rejected or summary.skipped:
            raise BuildFailed(
                f"loading generated {source} deliveries: rejected {summary.rejected}, "
                f"missing {summary.skipped}"
            )


def run_dbt(
    warehouse: GeneratedWarehouse,
    *args: str,
    engine: str = "duckdb",
    project_dir: Path = DBT_DIR,
    target: Path | None = None,
) -> None:
    """Run ``dbt <args>`` on the warehouse (target ``ci``; with ``engine="spark"``, target
    ``spark`` through ``csq-dbt``, which runs the Spark environment's dbt in a Spark session)
    for the project in ``project_dir``, writing to ``target`` (the warehouse's by default);
    raise :class:`BuildFailed` with dbt's output when it fails."""
    settings, target = warehouse.settings, target or warehouse.target
    full_env = {**os.environ, **settings.subprocess_env()}
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")])
    dbt, dbt_target = (DBT, "ci") if engine == "duckdb" else (CSQ_DBT, engine)
    full_env["CSQ_ENGINE"] = engine
    cmd = [str(dbt), *args, "--project-dir", str(project_dir), "--profiles-dir", str(DBT_DIR)]
    cmd += ["--target", dbt_target, "--target-path", str(target)]
    cmd += ["--log-path", str(target / "logs")]
    proc = subprocess.run(cmd, cwd=project_dir, env=full_env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
        raise BuildFailed(f"dbt {' '.join(args)} failed (rc={proc.returncode}):\n{tail}")
