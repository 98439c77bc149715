"""The dbt CLI resource: dagster-dbt's, without the in-process dbt adapter it never needs here.

Before every invocation ``DbtCliResource.cli()`` loads dbt's project, profile and every macro
into the orchestrator process to hold an adapter handle, and runs ``dbt --version`` in a
subprocess (measured: about 6 s of a daily run's two dbt steps on 2 cores). The handle serves
only ``fetch_column_metadata()`` / ``fetch_row_counts()``, which this project cannot use (they
query DuckDB while dbt holds its single-writer lock): column metadata is computed after dbt
exits (``column_metadata.py``). The version is that of the installed ``dbt-core`` package,
which is what the venv's ``dbt`` executable runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.dbt.project import dbt_project


class CsqDbtCliResource(DbtCliResource):
    """``DbtCliResource`` minus the adapter handle and the ``dbt --version`` subprocess.

    Overrides two private methods of dagster-dbt; ``tests/test_dbt_resource.py`` fails if an
    upgrade renames them (the pipeline would still work, only slower)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))


def dbt_resource() -> CsqDbtCliResource:
    """The dbt CLI resource, running the venv's dbt against the project through ``csq-dbt``
    (``lib/child_process.py``: dbt dies with the run process, never lingers as an orphan)."""
    return CsqDbtCliResource(
        project_dir=dbt_project,
        dbt_executable=str(Path(sys.executable).parent / "csq-dbt"),
    )
