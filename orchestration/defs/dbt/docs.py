"""The dbt docs site (models, columns, tests, lineage, exposures) as one static page.

``dbt docs generate --static`` writes ``static_index.html`` with the manifest and catalog
inside (no server-side files to fetch), into its own target folder so that Dagster's manifest
in ``dbt_project/target`` is never touched. The configuration dbt needs (warehouse, lake,
salt) comes from the settings, as for every dbt step: nothing to set by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.defs.dbt.project import DBT_PROJECT_DIR
from orchestration.settings import Settings


class DbtDocsError(RuntimeError):
    """``dbt docs generate`` failed (the message carries dbt's output)."""


def dbt_docs_dir(settings: Settings) -> Path:
    return settings.reports_dir / "dbt_docs"


def build_dbt_docs(settings: Settings) -> Path:
    """Generate the dbt docs into ``reports/dbt_docs/index.html`` and return it. Without a
    warehouse yet, the catalog (column types, row counts) is left empty."""
    out = dbt_docs_dir(settings)
    target = out / "target"
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        settings.dbt_target,
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    if not settings.warehouse.exists():
        cmd.append("--empty-catalog")
    env = {**os.environ, **settings.subprocess_env()}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise DbtDocsError(f"dbt docs generate failed (rc={proc.returncode}):\n{tail}")
    page = out / "index.html"
    shutil.copyfile(target / "static_index.html", page)
    return page
