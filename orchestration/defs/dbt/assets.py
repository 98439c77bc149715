"""The dbt models as two Dagster multi-assets with a step boundary between them.

``dbt_warehouse_models`` builds staging, intermediate and core (with their dbt tests); the
blocking quality checks then run on the core facts; only then ``dbt_kpi_marts`` builds the
``kpi_`` marts. One ``dbt build`` over everything would give the checks nowhere to stop the
marts (stack notes).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets
from pydantic import Field

from orchestration.defs.dbt.column_metadata import add_column_metadata
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.translator import CsqDbtTranslator
from orchestration.lib.env import env_var
from orchestration.lib.spark_catalog import refresh_views
from orchestration.partitions import SINGLE_RUN_BACKFILL, business_date_partitions
from orchestration.settings import get_settings

KPI_SELECTION = "path:models/marts/kpi"
# Both steps take ``warehouse_lock`` (the run lock of CSQ_HOME, ``orchestration/run_guard.py``)
# only so that the run holds it: they never use it.
DBT_STEPS = ("dbt_warehouse_models", "dbt_kpi_marts")
"""The two dbt steps (op names), in run order."""
LINEAGE_CACHE = Path("cache", "dbt_column_lineage.json")
"""Column lineage of unchanged models, kept between runs (under ``CSQ_HOME``)."""


RUN_MIN_DATE_ENV = "CSQ_RUN_MIN_DATE"
"""The run's first business date, read by the dbt macro ``run_min_date()``. It is passed as
an environment variable rather than ``--vars``: new vars on every run would make dbt re-parse
the whole project each time, while a changed env var re-parses only the models using it."""


class DbtBuildConfig(dg.Config):
    """Run config of the two dbt steps (``ops: {dbt_warehouse_models: {config: ...}}``)."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "dbt build --full-refresh: rebuild the incremental models from the whole raw layer "
            "(after a model's columns changed, or to drop rows a corrected re-delivery removed)."
        ),
    )


def run_min_date(context: dg.AssetExecutionContext) -> str:
    """First business date of the run's partition range (incremental facts re-process from
    there, minus their look-back)."""
    return context.partition_time_window.start.date().isoformat()


def _drain(invocation: DbtCliInvocation) -> tuple[list[Any], Exception | None]:
    """All Dagster events of the dbt invocation, in order, and the error it ended with.

    Every event is buffered (not only model outputs) so that a dbt test's check result still
    follows the materialisation it checks, which is how Dagster links the two; the dbt log
    itself still streams to the compute log as dbt writes it."""
    events: list[Any] = []
    try:
        for event in invocation.stream():
            events.append(event)
    except Exception as exc:  # re-raised by the caller after the events
        return events, exc
    return events, None


METADATA_MAX_PARTITIONS = 1
"""Runs over at most this many partitions (the daily run, a re-run) attach column schema,
lineage and row counts to every model's output. A backfill emits one materialisation per model
*per day*: buffering and enriching thousands of events after dbt exits cost minutes, so it
streams them live and then records each model once more, with its metadata, on the last day
(``_latest_day_metadata``)."""


def _with_column_metadata(events: list[Any], invocation: DbtCliInvocation) -> list[Any]:
    settings = get_settings()
    return add_column_metadata(
        events,
        invocation=invocation,
        warehouse=settings.warehouse,
        translator=CsqDbtTranslator(),  # fresh: dagster-dbt memoises specs per manifest
        cache_path=settings.home / LINEAGE_CACHE,
        # sqlglot reads the DuckDB build's compiled SQL; on Spark the same models' lineage is
        # the DuckDB build's (csq lineage reads the prepared manifest on either engine)
        lineage=settings.engine == "duckdb",
    )


def _latest_day_metadata(
    context: dg.AssetExecutionContext, events: list[Any]
) -> Iterator[dg.AssetMaterialization]:
    """A backfill's models, each once more with its column metadata, as the last partition's
    materialisation: Dagster copied the streamed outputs onto every day without it, and
    copying schema and lineage onto every day of a year costs minutes of event log."""
    last = context.partition_keys[-1]
    for event in events:
        if isinstance(event, dg.Output) and "dagster/column_schema" in (event.metadata or {}):
            yield dg.AssetMaterialization(
                asset_key=context.asset_key_for_output(event.output_name),
                partition=last,
                metadata=event.metadata,
            )


PARTIAL_PARSE = "partial_parse.msgpack"
PARTIAL_PARSE_CACHE = Path("cache", "dbt_partial_parse.msgpack")
"""dbt's parse state for this home's profile (under ``CSQ_HOME``), kept between invocations."""
PARTIAL_PARSE_ENV = "DBT_PARTIAL_PARSE_FILE_PATH"
"""dbt's switch to read the parse state from another file than ``target/``."""


def partial_parse_from(home: Path) -> str | None:
    """The parse state a dbt invocation in ``home`` starts from: the home's own once it has one.

    dbt re-parses the whole project (~10 s per dbt step) when the profile differs from the one
    the saved state was parsed with, and the profile holds the home's warehouse path. The state
    is therefore kept per home: two homes used in turn (or at once) no longer undo each other's
    state in the shared ``dbt_project/target``. ``None``: use the copy dagster-dbt puts into the
    invocation folder from ``target/`` (written by ``csq prepare``)."""
    cached = home / PARTIAL_PARSE_CACHE
    return str(cached) if cached.is_file() else None


def keep_partial_parse(invocation_target: Path, home: Path, project_state: Path) -> None:
    """Make the invocation's parse state the home's, for the next invocation to start from
    (dbt writes it into the invocation's own folder, which is dropped after the step).

    dbt writes no state when it had nothing to re-parse: the folder then still holds the copy
    of ``project_state`` dagster-dbt put there, which must not replace the home's own."""
    fresh = invocation_target / PARTIAL_PARSE
    kept = home / PARTIAL_PARSE_CACHE
    if not fresh.is_file():
        return
    state = fresh.read_bytes()
    if kept.is_file() and (
        state == kept.read_bytes()
        or (project_state.is_file() and state == project_state.read_bytes())
    ):
        return
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    tmp.write_bytes(state)
    os.replace(tmp, kept)


DBT_LOG = "dbt.log"
FAILED_DBT_LOGS = Path("logs")
"""Where a failed dbt step's debug log is kept (under ``CSQ_HOME``, beside the run logs)."""


def keep_failed_dbt_log(invocation_target: Path, home: Path, step: str, run_id: str) -> Path | None:
    """Move dbt's debug log out of the invocation folder (dropped after the step) to
    ``logs/dbt-<step>-<run id>.log``; the path, or ``None`` when dbt wrote none.

    dagster-dbt's failure message names the log inside the invocation folder, which the step
    removes: without this the path a user is told to read would not exist."""
    log = invocation_target / DBT_LOG
    if not log.is_file():
        return None
    kept = home / FAILED_DBT_LOGS / f"dbt-{step}-{run_id}.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(log, kept)
    return kept


def refresh_engine_views(context: dg.AssetExecutionContext) -> None:
    """On the Spark engine, point ``warehouse.duckdb``'s views at the tables dbt-spark just
    wrote, so the checks, column metadata and publish after dbt read them
    (:mod:`orchestration.lib.spark_catalog`). Nothing to do on DuckDB."""
    settings = get_settings()
    if settings.engine == "spark":
        n = refresh_views(settings)
        context.log.info(f"Spark engine: {n} views in {settings.warehouse} over its Parquet tables")


def _build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    # dbt unit tests check SQL logic, not data: they run in the test suite, not every build.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    invocation = None
    home = get_settings().home
    # dagster-dbt passes os.environ on to dbt
    with (
        env_var(RUN_MIN_DATE_ENV, run_min_date(context)),
        env_var(PARTIAL_PARSE_ENV, partial_parse_from(home)),
    ):
        failed = True
        try:
            invocation = dbt.cli(args, context=context)
            if len(context.partition_keys) <= METADATA_MAX_PARTITIONS:
                events, failure = _drain(invocation)
                refresh_engine_views(context)
                # dbt has exited (its DuckDB lock is released): add column metadata, then yield.
                yield from _with_column_metadata(events, invocation)
                if failure is not None:
                    raise failure
            else:
                seen = []
                for event in invocation.stream():  # live: a backfill has models x days events
                    seen.append(event)
                    yield event
                refresh_engine_views(context)
                # dbt has exited: schema, lineage and row count once per model, on the range's
                # last day (which the UI shows as the latest); it warms the lineage cache too
                yield from _latest_day_metadata(context, _with_column_metadata(seen, invocation))
            project_state = Path(dbt_project.project_dir) / "target" / PARTIAL_PARSE
            keep_partial_parse(invocation.target_path, home, project_state)
            failed = False
        finally:
            # dagster-dbt gives every invocation its own target/<id> folder (with a copy of the
            # partial-parse file): drop it, also when the build failed (keeping dbt's log).
            if invocation is not None:
                if failed and (
                    log := keep_failed_dbt_log(
                        invocation.target_path, home, context.op_def.name, context.run.run_id
                    )
                ):
                    context.log.error(f"dbt's debug log of this failed step is kept at {log}")
                shutil.rmtree(invocation.target_path, ignore_errors=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=KPI_SELECTION,
    name=DBT_STEPS[0],
    dagster_dbt_translator=CsqDbtTranslator(),
    partitions_def=business_date_partitions(),
    backfill_policy=SINGLE_RUN_BACKFILL,
)
def dbt_warehouse_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    warehouse_lock: dg.ResourceParam[object],
):
    """Staging (typed, deduplicated, pseudonymised), intermediate and core (dims and facts)."""
    yield from _build(context, dbt, config)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=KPI_SELECTION,
    name=DBT_STEPS[1],
    dagster_dbt_translator=CsqDbtTranslator(),
    partitions_def=business_date_partitions(),
    backfill_policy=SINGLE_RUN_BACKFILL,
)
def dbt_kpi_marts(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    warehouse_lock: dg.ResourceParam[object],
):
    """The ``kpi_`` marts BI reads; built only after the blocking checks upstream passed."""
    yield from _build(context, dbt, config)
