"""Phase times of one Dagster run, read from the instance's event log (``STEP_START`` to
``STEP_SUCCESS`` / ``STEP_FAILURE`` of each step), and the rows its GX checks validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.contract import SOURCES

VALIDATION_PREFIX = "gx_"
"""Check steps are ``gx_raw`` and ``gx_core`` (``CHECK_STEP_PREFIX`` of the quality
gate; a test keeps the two equal)."""
PHASES: tuple[str, ...] = ("raw_ingestion", "dbt_core", "validation", "dbt_marts", "publish")
"""Pipeline phases in run order; ``validation`` sums every GX check step (raw and core)."""

_FIXED_STEPS = {
    "dbt_warehouse_models": "dbt_core",
    "dbt_kpi_marts": "dbt_marts",
    "published__marts": "publish",
}
DBT_DURATION = "Execution Duration"
"""Metadata dagster-dbt puts on each model materialisation and test result."""
TOP_NODES = 8

_RAW_STEPS = {f"raw_{source}" for source in SOURCES}


def phase_of(step_key: str) -> str:
    """The benchmark phase a step of ``csq_pipeline`` belongs to (``other`` if unknown)."""
    if step_key.startswith(VALIDATION_PREFIX):
        return "validation"
    if step_key in _RAW_STEPS:
        return "raw_ingestion"
    return _FIXED_STEPS.get(step_key, "other")


@dataclass
class RunTimings:
    """Step and phase durations of one run (seconds), and its check row counts."""

    run_id: str
    status: str
    run_s: float
    steps: dict[str, float] = field(default_factory=dict)
    step_windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    """``step -> (start, end)`` epoch seconds, to attribute sampled memory to phases."""
    phases: dict[str, float] = field(default_factory=dict)
    validation_raw_s: float = 0.0
    validation_core_s: float = 0.0
    checks: int = 0
    check_rows: int = 0
    dbt_models_s: float = 0.0
    dbt_models: int = 0
    dbt_tests_s: float = 0.0
    dbt_tests: int = 0
    slowest_dbt_nodes_s: dict[str, float] = field(default_factory=dict)

    def phase_windows(self) -> dict[str, list[tuple[float, float]]]:
        """The ``(start, end)`` windows of each phase's steps."""
        windows: dict[str, list[tuple[float, float]]] = {}
        for step, span in self.step_windows.items():
            windows.setdefault(phase_of(step), []).append(span)
        return windows

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "dagster_run_s": self.run_s,
            "phases_s": self.phases,
            "validation_split_s": {
                "raw_checks": self.validation_raw_s,
                "core_checks": self.validation_core_s,
            },
            "steps_s": self.steps,
            "gx_checks": self.checks,
            "gx_rows_validated": self.check_rows,
            "dbt_nodes": {
                "models_and_seeds": self.dbt_models,
                "models_execution_s": self.dbt_models_s,
                "tests": self.dbt_tests,
                "tests_execution_s": self.dbt_tests_s,
                "slowest_s": self.slowest_dbt_nodes_s,
                "note": "dbt's own per-node execution times, summed over threads",
            },
        }


def _dbt_node(event: Any) -> tuple[str, str, float] | None:
    """``(kind, name, seconds)`` of a dbt model materialisation or dbt test result carrying
    dbt's execution time (every partition of a range repeats it: callers keep one per name)."""
    data = event.event_specific_data
    if event.event_type_value == "ASSET_MATERIALIZATION":
        data = data.materialization
        kind, name = "model", data.asset_key.to_user_string()
    else:
        kind, name = "test", f"{data.asset_key.to_user_string()}:{data.check_name}"
    duration = data.metadata.get(DBT_DURATION)
    return None if duration is None else (kind, name, float(duration.value))


def _all_records(instance: Any, run_id: str, types: set[Any]) -> list[Any]:
    records, cursor = [], None
    while True:
        page = instance.get_records_for_run(run_id, cursor=cursor, of_type=types, limit=1000)
        records.extend(page.records)
        if not page.has_more:
            return records
        cursor = page.cursor


def latest_run_id(dagster_home: Path) -> str:
    """The id of the newest run recorded in ``dagster_home``."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            raise RuntimeError(f"no Dagster run recorded in {dagster_home}")
        return runs[0].run_id


def run_timings(dagster_home: Path, run_id: str) -> RunTimings:
    """Step durations of ``run_id`` summed per phase; raises if a step never finished."""
    import dagster as dg
    from dagster import DagsterEventType as T

    types = {
        T.RUN_START,
        T.RUN_SUCCESS,
        T.RUN_FAILURE,
        T.STEP_START,
        T.STEP_SUCCESS,
        T.STEP_FAILURE,
        T.ASSET_CHECK_EVALUATION,
        T.ASSET_MATERIALIZATION,
    }
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise RuntimeError(f"run {run_id} is not in the event log of {dagster_home}")
        records = _all_records(instance, run_id, types)
        status = run.status.value
    started: dict[str, float] = {}
    timings = RunTimings(run_id=run_id, status=status, run_s=0.0)
    run_start = run_end = None
    dbt_nodes: dict[tuple[str, str], float] = {}
    counted_suites: set[str] = set()
    for rec in records:
        entry = rec.event_log_entry
        event = entry.dagster_event
        kind = event.event_type
        if kind == T.RUN_START:
            run_start = entry.timestamp
        elif kind in (T.RUN_SUCCESS, T.RUN_FAILURE):
            run_end = entry.timestamp
        elif kind == T.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif kind in (T.STEP_SUCCESS, T.STEP_FAILURE):
            began = started.pop(entry.step_key)
            seconds = entry.timestamp - began
            timings.step_windows[entry.step_key] = (began, entry.timestamp)
            timings.steps[entry.step_key] = round(seconds, 3)
        elif kind == T.ASSET_CHECK_EVALUATION and entry.step_key.startswith(VALIDATION_PREFIX):
            # one evaluation per suite (a daily run) or per suite and day (a backfill, each
            # carrying the run's rows once more: counted once per suite)
            data = event.event_specific_data
            suite = data.asset_key.to_user_string()
            rows = data.metadata.get("row_count") or data.metadata.get("run_row_count")
            if suite not in counted_suites:
                counted_suites.add(suite)
                timings.checks += 1
                timings.check_rows += int(rows.value) if rows is not None else 0
        elif kind in (T.ASSET_CHECK_EVALUATION, T.ASSET_MATERIALIZATION):
            node = _dbt_node(event)
            if node is not None:
                dbt_nodes[node[:2]] = node[2]
    if started:
        raise RuntimeError(f"run {run_id}: steps started but never finished: {sorted(started)}")
    if run_start is None or run_end is None:
        raise RuntimeError(f"run {run_id}: no run start/end event (status {status})")
    timings.run_s = round(run_end - run_start, 3)
    phases = dict.fromkeys(PHASES, 0.0)
    for step, seconds in timings.steps.items():
        phase = phase_of(step)
        phases[phase] = phases.get(phase, 0.0) + seconds
        if phase == "validation":
            if step.startswith(f"{VALIDATION_PREFIX}raw"):
                timings.validation_raw_s += seconds
            else:
                timings.validation_core_s += seconds
    timings.phases = {k: round(v, 3) for k, v in phases.items()}
    slowest = sorted(dbt_nodes.items(), key=lambda kv: -kv[1])[:TOP_NODES]
    timings.slowest_dbt_nodes_s = {name: round(v, 3) for (_, name), v in slowest}
    for which in ("model", "test"):
        seconds = [v for (kind, _), v in dbt_nodes.items() if kind == which]
        if which == "model":
            timings.dbt_models, timings.dbt_models_s = len(seconds), round(sum(seconds), 3)
        else:
            timings.dbt_tests, timings.dbt_tests_s = len(seconds), round(sum(seconds), 3)
    timings.validation_raw_s = round(timings.validation_raw_s, 3)
    timings.validation_core_s = round(timings.validation_core_s, 3)
    return timings
