"""One run at a time per warehouse home, and a clean house when it starts.

Every run of ``csq_pipeline`` (``csq run``, the UI, the schedule, the sensor) holds the run
lock of ``CSQ_HOME`` (``lib/run_lock.py``) through the ``warehouse_lock`` resource, which every
asset and check step requires; ``csq run`` takes the same lock before it starts Dagster, so a
second run exits at once with "another run (id, started at, pid) holds the warehouse". Runs
the Dagster daemon launches also queue behind each other (``dagster.yaml``: the queued run
coordinator, one run at a time).

Whoever takes the lock first cleans up after killed runs, before anything reads the lake:

* runs left ``STARTING``/``STARTED`` in the Dagster history are marked failed (holding the lock
  proves no other run is alive: every run holds it);
* half-written deliveries are finished or undone (load journals, ``lib/journal.py``);
* temporary files of killed writes are deleted (lake, and the published file's temp copy and
  its ``.wal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from orchestration.defs.ingest.loader import recover_loads
from orchestration.defs.publish.writer import remove_publish_leftovers
from orchestration.lib.atomic import remove_leftovers
from orchestration.lib.run_lock import warehouse_lock
from orchestration.settings import Settings, get_settings

RESOURCE_KEY = "warehouse_lock"
LIVE_STATUSES = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)


@dataclass
class Cleanup:
    """What the start of a run found and repaired."""

    dead_runs: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"run {r} was left running by a dead process: marked failed" for r in self.dead_runs]
        out += self.loads
        out += [f"removed leftover {p}" for p in self.files]
        return out


def clean_up_after_killed_runs(
    settings: Settings, instance: dg.DagsterInstance, current_run_id: str
) -> Cleanup:
    """Repair what killed runs left (see the module docstring); call holding the lock."""
    cleanup = Cleanup()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(LIVE_STATUSES))):
        if run.run_id == current_run_id:
            continue
        instance.report_run_failed(
            run,
            message=(
                f"marked failed by run {current_run_id}: no process runs it any more (it was "
                "killed; the warehouse run lock was free)"
            ),
        )
        cleanup.dead_runs.append(run.run_id)
    for r in recover_loads(settings):
        what = (
            f"{r.meta.get('source')} {r.meta.get('business_date')} (load {r.meta.get('load_id')})"
        )
        verb = "finished (rolled forward)" if r.action == "forward" else "undone (rolled back)"
        cleanup.loads.append(f"delivery {what} was half-written by a killed load: {verb}")
    cleanup.files += remove_leftovers(settings.lake_dir)
    cleanup.files += remove_publish_leftovers(settings.published_db)
    return cleanup


class WarehouseLockResource(dg.ConfigurableResource):
    """Holds the run lock of ``CSQ_HOME`` from the start of a run to its end and, when it
    takes the lock itself, cleans up after killed runs. Every step requires it."""

    home: str | None = None
    """The warehouse home to lock (default: ``CSQ_HOME`` of the settings)."""
    _lock: object = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = get_settings()
        if self.home is not None:
            settings = replace(settings, home=Path(self.home))
        run_id = context.run_id or "unknown"
        self._lock = warehouse_lock(settings.home, run_id, settings.lock_wait_s)
        acquired = self._lock.__enter__()  # type: ignore[attr-defined]
        if acquired and context.instance is not None:
            for line in clean_up_after_killed_runs(settings, context.instance, run_id).lines():
                context.log.warning(line)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._lock = None
