"""The dbt project as Dagster sees it (no relative imports: dagster-dbt loads this file)."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import get_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=get_settings().dbt_target,
)
"""The manifest is prepared at build time (``csq prepare`` runs ``dbt parse``); ``dagster dev``
re-parses on load so model edits show up at once."""
