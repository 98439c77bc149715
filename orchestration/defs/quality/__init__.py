"""The quality gate: Great Expectations suites (``expectations/``) as Dagster asset checks.

``quality_checks`` holds one check per suite (blocking where the suite has error-severity
expectations), run in one step per source (raw) or layer (core); put them into
``Definitions(asset_checks=...)``.
"""

from orchestration.defs.quality.checks import (
    CHECK_NAME,
    CHECK_STEP_PREFIX,
    build_check_step,
    build_quality_checks,
    check_result,
    data_docs_dir,
    validate_suite,
    validate_suites,
)

quality_checks = build_quality_checks()

__all__ = [
    "CHECK_NAME",
    "CHECK_STEP_PREFIX",
    "build_check_step",
    "build_quality_checks",
    "check_result",
    "data_docs_dir",
    "quality_checks",
    "validate_suite",
    "validate_suites",
]
