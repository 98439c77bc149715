"""Dagster asset checks built from the expectation suites (one check per suite file).

The checks are grouped into one step per guarded layer (``gx_raw``, ``gx_core``): a step
validates its suites in one GX session and builds Data Docs once, so the GX fixed costs are
paid per layer rather than per suite or source. Each suite is still its own check
(``gx_suite`` on its asset) with its own result, and a subset can be run alone.

A suite with any ``error`` expectation gives a *blocking* check: when it fails with ERROR
severity, the run stops before anything downstream of the guarded asset (the ``kpi_`` marts,
the published file) materialises. Results: ERROR when an error expectation failed or the
check could not run, WARN when only warnings failed.
"""

import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.quality.batches import BatchError, core_batch, raw_batch
from orchestration.defs.quality.data_docs import publish_pages, write_index
from orchestration.lib.gx_history import append_history, history_dir
from orchestration.lib.gx_runner import ExpectationOutcome, GxSession, SuiteOutcome, run_suite
from orchestration.lib.gx_suites import SuiteSpec, default_suites_dir, load_suites
from orchestration.lib.memory import frozen_heap, release_freed_memory
from orchestration.partitions import business_date_partitions
from orchestration.settings import Settings, get_settings

CHECK_NAME = "gx_suite"
CHECK_STEP_PREFIX = "gx_"
"""Check steps are named ``gx_<layer>`` (the benchmark finds them by it)."""
MAX_DESCRIPTION = 4000


def data_docs_dir(settings: Settings) -> Path:
    return settings.reports_dir / "data_docs"


def validate_suites(
    suites: Iterable[SuiteSpec], dates: Sequence[date], run_id: str, settings: Settings
) -> list[SuiteOutcome]:
    """Validate each suite on the run's rows in one GX session, build Data Docs once, and
    append every outcome to the history. Data problems and GX errors inside a suite become
    outcomes; only a GX context that cannot be created at all raises (the step fails)."""
    staging = settings.reports_dir / ".data_docs_build" / uuid.uuid4().hex
    try:
        session = GxSession(staging)  # GX's modules and context are frozen with the rest
        with frozen_heap():  # each chunk's memory is collected cheaply (see frozen_heap)
            outcomes = [_validate(suite, dates, run_id, settings, session) for suite in suites]
            pages = session.build_docs()
            site_pages = publish_pages(staging, data_docs_dir(settings), session.page_labels)
            del session
        release_freed_memory()  # the session too
        for outcome in outcomes:
            page = pages.get(outcome.suite)
            outcome.data_docs = site_pages.get(page) if page is not None else None
            if outcome.data_docs is not None:
                outcome.data_docs_url = settings.docs_url(outcome.data_docs)
            append_history(settings.lake_dir, outcome, run_id)
        write_index(data_docs_dir(settings), history_dir(settings.lake_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcomes


def validate_suite(
    suite: SuiteSpec, dates: Sequence[date], run_id: str, settings: Settings
) -> SuiteOutcome:
    """:func:`validate_suites` for one suite."""
    (outcome,) = validate_suites([suite], dates, run_id, settings)
    return outcome


def _validate(
    suite: SuiteSpec,
    dates: Sequence[date],
    run_id: str,
    settings: Settings,
    session: GxSession,
) -> SuiteOutcome:
    try:
        if not dates:
            raise BatchError("the run has no partition: quality checks validate partitions")
        batch = (
            raw_batch(
                suite, settings.raw_dir, settings.quarantine_dir, dates, settings.gx_chunk_cells
            )
            if suite.kind == "raw"
            else core_batch(suite, settings.warehouse, dates, settings.gx_chunk_cells)
        )
    except BatchError as exc:
        outcome = SuiteOutcome(
            suite.name, suite.asset_key, tuple(d.isoformat() for d in sorted(dates)), None
        )
        outcome.outcomes.append(
            ExpectationOutcome(
                suite=suite.name,
                expectation="<read batch>",
                type="<read batch>",
                column=None,
                severity="error",
                status="error",
                note=f"check could not run: {exc}",
            )
        )
        return outcome
    return run_suite(
        suite,
        batch.chunks,
        run_id=run_id,
        partitions=dates,
        session=session,
        parameters=batch.parameters,
        unavailable=batch.unavailable,
        history_counts=batch.history_counts,
        profile=batch.profile,
    )


def _problem(o: ExpectationOutcome) -> dict[str, Any]:
    return {
        "expectation": o.expectation,
        "severity": o.severity,
        "status": o.status,
        "partition": o.partition,
        "observed_value": o.observed_value,
        "unexpected_count": o.unexpected_count,
        "unexpected_percent": o.unexpected_percent,
        "sample_values": list(o.sample_values),
        "note": o.note,
    }


def _md_table(problems: list[ExpectationOutcome]) -> str:
    lines = [
        "| expectation | severity | status | partition | observed | unexpected | samples |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in problems:
        cells = [
            o.expectation,
            o.severity,
            o.status,
            o.partition or "",
            "" if o.observed_value is None else str(o.observed_value)[:80],
            "" if o.unexpected_count is None else f"{o.unexpected_count}",
            ", ".join(map(str, o.sample_values))[:80] or (o.note or "")[:120],
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def check_result(outcome: SuiteOutcome) -> dg.AssetCheckResult:
    """The Dagster result of a suite outcome (severity, description, metadata)."""
    problems = outcome.could_not_run + outcome.failed_errors + outcome.failed_warnings
    skipped = [o for o in outcome.outcomes if o.status == "skipped"]
    metadata: dict[str, Any] = {
        "suite": outcome.suite,
        "asset": "/".join(outcome.asset_key),
        "partitions": outcome.partition_range,
        "row_count": dg.MetadataValue.int(outcome.row_count or 0),
        "expectations_run": dg.MetadataValue.int(len(outcome.outcomes) - len(skipped)),
        "expectations_failed": dg.MetadataValue.int(len(problems)),
        "could_not_run": dg.MetadataValue.bool(bool(outcome.could_not_run)),
        "problems": dg.MetadataValue.json([_problem(o) for o in problems]),
        "problems_table": dg.MetadataValue.md(_md_table(problems) if problems else "none"),
        "skipped": dg.MetadataValue.json([f"{o.expectation}: {o.note}" for o in skipped]),
    }
    if outcome.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(outcome.data_docs.absolute()))
    if outcome.data_docs_url is not None:
        metadata["data_docs_url"] = dg.MetadataValue.url(outcome.data_docs_url)
    severity = outcome.severity
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(outcome.asset_key)),
        check_name=CHECK_NAME,
        passed=severity is None,
        severity=dg.AssetCheckSeverity.WARN if severity == "warn" else dg.AssetCheckSeverity.ERROR,
        description=outcome.summary()[:MAX_DESCRIPTION],
        metadata=metadata,
    )


def latest_materializations(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, partitions: Sequence[str]
) -> dict[str, Any]:
    """Partition -> the latest materialisation of ``asset_key`` (what a check result of that
    partition was evaluated against: Dagster shows a partition's check as missing without it)."""
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData as Target,
    )

    wanted, out = set(partitions), {}
    cursor = None
    while wanted - out.keys():
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=asset_key, asset_partitions=sorted(wanted - out.keys())
            ),
            limit=1000,
            cursor=cursor,
        )
        for record in page.records:
            partition = record.partition_key
            if partition in wanted and partition not in out:
                out[partition] = Target(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                )
        if not page.has_more:
            break
        cursor = page.cursor
    return out


def partition_evaluations(
    outcome: SuiteOutcome,
    blocking: bool,
    targets: Mapping[str, Any] | None = None,
) -> list[dg.AssetCheckEvaluation]:
    """One check evaluation per partition of a multi-partition run, so Dagster's partition view
    shows each day Passed or Failed. A problem counts against the partitions it names: its own
    day (volume, partition profile) or the partitions of the chunk it failed in (row-level
    expectations are validated per chunk of whole partitions); one that names none (the check
    could not run, a single-chunk run) against all of them."""
    problems = outcome.could_not_run + outcome.failed_errors + outcome.failed_warnings
    out = []
    for partition in outcome.partitions:
        mine = [o for o in problems if partition in o.partitions_in(outcome.partitions)]
        errors = [o for o in mine if o.status == "error" or o.severity == "error"]
        head = (
            f"suite {outcome.suite} on asset {'/'.join(outcome.asset_key)}, partition {partition}"
        )
        description = (
            f"{head}: " + "; ".join(o.describe() for o in mine)
            if mine
            else f"{head}: passed (run {outcome.partition_range}, {outcome.row_count} row(s))"
        )
        metadata: dict[str, Any] = {
            "suite": outcome.suite,
            "partition": partition,
            "run_partitions": outcome.partition_range,
            "run_row_count": dg.MetadataValue.int(outcome.row_count or 0),
            "expectations_failed": dg.MetadataValue.int(len(mine)),
            "problems": dg.MetadataValue.json([_problem(o) for o in mine]),
        }
        if outcome.data_docs_url is not None:
            metadata["data_docs_url"] = dg.MetadataValue.url(outcome.data_docs_url)
        out.append(
            dg.AssetCheckEvaluation(
                asset_key=dg.AssetKey(list(outcome.asset_key)),
                check_name=CHECK_NAME,
                passed=not mine,
                severity=(
                    dg.AssetCheckSeverity.ERROR
                    if errors or not mine
                    else dg.AssetCheckSeverity.WARN
                ),
                description=description[:MAX_DESCRIPTION],
                metadata=metadata,
                blocking=blocking,
                partition=partition,
                target_materialization_data=(targets or {}).get(partition),
            )
        )
    return out


def _dates(context: dg.AssetCheckExecutionContext) -> list[date]:
    if not (context.has_partition_key or context.has_partition_key_range):
        return []
    return [date.fromisoformat(k) for k in context.partition_keys]


def check_key(suite: SuiteSpec) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey(list(suite.asset_key)), CHECK_NAME)


def step_name(suite: SuiteSpec) -> str:
    """The check step a suite runs in: one per layer (``gx_raw``, ``gx_core``). The raw layer's
    four sources share one step: the executor runs steps one after another, so a step per
    source only paid a GX context and a Data Docs build four times (~5 s a run)."""
    return CHECK_STEP_PREFIX + suite.asset_key[0]


def build_check_step(
    name: str, suites: Sequence[SuiteSpec], settings_fn: Callable[[], Settings] = get_settings
) -> dg.AssetChecksDefinition:
    """One step running ``suites`` (each its own check) on the run's partitions."""
    by_key = {check_key(s): s for s in suites}
    blocking_suites = {s.name for s in suites if s.has_error_expectations}
    specs = [
        dg.AssetCheckSpec(
            name=CHECK_NAME,
            asset=key.asset_key,
            blocking=suite.has_error_expectations,
            partitions_def=business_date_partitions(),
            description=f"Great Expectations suite {suite.name} ({suite.path.name})",
            metadata={"suite": suite.name, "suite_file": f"expectations/{suite.path.name}"},
        )
        for key, suite in by_key.items()
    ]

    @dg.multi_asset_check(
        name=name,
        specs=specs,
        can_subset=True,
        description=f"Great Expectations suites: {', '.join(s.name for s in suites)}",
        required_resource_keys={"warehouse_lock"},
    )
    def _checks(context: dg.AssetCheckExecutionContext) -> Iterable[dg.AssetCheckResult]:
        selected = [s for k, s in by_key.items() if k in context.selected_asset_check_keys]
        run_id = context.run.run_id
        dates = _dates(context)
        for outcome in validate_suites(selected, dates, run_id, settings_fn()):
            (context.log.info if outcome.passed else context.log.error)(outcome.summary())
            if len(dates) > 1:  # a backfill: a result per day, not one without a partition
                targets = latest_materializations(
                    context.instance, dg.AssetKey(list(outcome.asset_key)), outcome.partitions
                )
                yield from partition_evaluations(outcome, outcome.suite in blocking_suites, targets)
            else:
                yield check_result(outcome)

    return _checks


def build_quality_checks(
    suites_dir: Path | None = None, settings_fn: Callable[[], Settings] = get_settings
) -> list[dg.AssetChecksDefinition]:
    """The suites of ``suites_dir`` (default: the repo's ``expectations/``) as one check per
    suite, grouped into one step per :func:`step_name`."""
    suites = sorted(load_suites(suites_dir or default_suites_dir()), key=step_name)
    return [
        build_check_step(name, list(group), settings_fn)
        for name, group in groupby(suites, key=step_name)
    ]
