"""Resources a test gives ``dg.materialize`` for a subset of the pipeline's assets."""

from __future__ import annotations

from orchestration.run_guard import RESOURCE_KEY, WarehouseLockResource
from orchestration.settings import Settings


def run_resources(settings: Settings) -> dict[str, object]:
    """The run lock of ``settings.home`` (every pipeline step requires it)."""
    return {RESOURCE_KEY: WarehouseLockResource(home=str(settings.home))}
