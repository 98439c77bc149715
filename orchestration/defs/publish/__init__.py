"""Write-audit-publish: the ``published/marts`` asset (an atomic BI copy of the kpi marts).

The lead builds it with ``build_publish_asset(kpi_keys, dim_keys)`` from the dbt manifest.
"""

from orchestration.defs.publish.asset import BI_DIMENSIONS, PUBLISHED_KEY, build_publish_asset
from orchestration.defs.publish.writer import FORBIDDEN_COLUMNS, PublishError, TableRef, publish

__all__ = [
    "BI_DIMENSIONS",
    "FORBIDDEN_COLUMNS",
    "PUBLISHED_KEY",
    "PublishError",
    "TableRef",
    "build_publish_asset",
    "publish",
]
