"""The quality gate: Great Expectations suites (``expectations/``) as Dagster asset checks.

``quality_checks`` holds one check per suite (blocking where the suite has error-severity
expectations); put them into ``Definitions(asset_checks=...)``.
"""

from orchestration.defs.quality.checks import (
    CHECK_NAME,
    build_quality_checks,
    check_result,
    data_docs_dir,
    validate_suite,
)

quality_checks = build_quality_checks()

__all__ = [
    "CHECK_NAME",
    "build_quality_checks",
    "check_result",
    "data_docs_dir",
    "quality_checks",
    "validate_suite",
]
