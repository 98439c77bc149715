"""``csq``: generate sample deliveries, prepare the project, run the pipeline, start the UI.

Every command that builds data goes **through Dagster** (the same job, assets and checks as the
UI, the sensor and the schedule), in-process, recording runs in ``DAGSTER_HOME``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import uuid
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.lib.env import env_var
from orchestration.settings import Settings, get_settings
from orchestration.summary import RunOutcome

DAGSTER_YAML = """\
# Written by csq (prepare, run, dev). Run history lives here; telemetry is off.
telemetry:
  enabled: false
# Runs the daemon launches (UI, schedule, sensor) queue and start one at a time: the
# warehouse has one writer. `csq run` takes the same run lock (orchestration/run_guard.py).
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
# The daemon marks runs whose worker process died as failed.
run_monitoring:
  enabled: true
"""
WAIT_FOREVER_S = 365 * 86_400.0

DEMO_START = date(2026, 5, 1)
DEMO_DAYS = 61
"""May and June: two full months, with the Q2 CSI wave and the H1 employee pulse in June."""
DEMO_AGENTS = 300


# --------------------------------------------------------------------------- helpers
def _venv_bin(name: str) -> str:
    """An executable of the running interpreter's environment (dbt, dagster)."""
    return str(Path(sys.executable).parent / name)


def ensure_dagster_home(settings: Settings) -> Path:
    """Create ``DAGSTER_HOME`` with our ``dagster.yaml`` (idempotent; a ``dagster.yaml`` that
    csq did not write is left alone)."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    ours = not config.exists() or config.read_text(encoding="utf-8").startswith("# Written by")
    if ours and (not config.exists() or config.read_text(encoding="utf-8") != DAGSTER_YAML):
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return settings.dagster_home


def prepare(settings: Settings) -> Path:
    """Parse the dbt project into ``target/manifest.json`` (Definitions load it, never parse)."""
    settings.apply_to_environ()
    ensure_dagster_home(settings)
    project_dir = Path(__file__).resolve().parents[1] / "dbt_project"
    cmd = [_venv_bin("dbt"), "parse", "--quiet", "--project-dir", str(project_dir)]
    cmd += ["--profiles-dir", str(project_dir), "--target", settings.dbt_target]
    subprocess.run(cmd, check=True, env={**os.environ, **settings.subprocess_env()})
    return project_dir / "target" / "manifest.json"


PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
"""Dagster's switch for one "materialisation planned" event per asset of a single-run
backfill (carrying the partition range) instead of one per asset *and* partition."""


def planned_events_per_range(enabled: bool) -> AbstractContextManager[None]:
    """Within the block, a run over a partition range plans each asset once.

    The SQLite event log writes an event in ~15-20 ms (a new connection and two databases
    per event): a year's backfill planned 29,930 materialisations one by one, for minutes before
    its first step (benchmarks/README.md). The price: if such a run fails, its
    partitions show as missing rather than failed in the UI; the run, its failed step and
    the check results still say what failed. Single-day runs keep one event per partition."""
    return env_var(PLANNED_EVENTS_ENV, "true" if enabled else None)


def run_pipeline(
    settings: Settings,
    start: date,
    end: date,
    *,
    full_refresh: bool = False,
    run_id: str | None = None,
) -> RunOutcome:
    """Materialise the whole pipeline for ``[start, end]`` in one in-process Dagster run
    (``full_refresh``: the dbt steps rebuild their incremental models from the raw layer).
    The run takes the warehouse's run lock itself (its ``warehouse_lock`` resource)."""
    import dagster as dg

    settings.apply_to_environ()
    ensure_dagster_home(settings)
    from orchestration.definitions import PIPELINE_JOB_NAME, defs
    from orchestration.defs.dbt import DBT_STEPS

    job = defs.resolve_job_def(PIPELINE_JOB_NAME)
    instance = dg.DagsterInstance.get()
    # INFO on the console (step starts, dbt progress, failures); the full DEBUG event log is in
    # DAGSTER_HOME and the UI.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if full_refresh:
        run_config["ops"] = {step: {"config": {"full_refresh": True}} for step in DBT_STEPS}
    with planned_events_per_range(start < end):
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
                "csq/trigger": "cli",
            },
            raise_on_error=False,
            run_id=run_id,
        )
    checks = summarise_checks(result.get_asset_check_evaluations())
    failure = None
    if not result.success:
        failures = [
            f"{ev.step_key}: {ev.event_specific_data.error.message.strip()}"  # type: ignore[union-attr]
            for ev in result.all_events
            if ev.event_type_value == "STEP_FAILURE"
        ]
        failure = "\n".join(failures) or "run failed"
    return RunOutcome(result.success, result.run_id, start, end, checks, failure)


def summarise_checks(evaluations: Sequence[Any]) -> list[dict[str, Any]]:
    """One entry per check of the run: a backfill records a check per partition, the summary
    says per check whether every partition passed, the worst severity, the failed partitions
    and the first failure's description."""
    grouped: dict[tuple[str, str], list[Any]] = {}
    for ev in evaluations:
        grouped.setdefault((ev.asset_key.to_user_string(), ev.check_name), []).append(ev)
    out = []
    for (asset, name), evs in grouped.items():
        failed = [e for e in evs if not e.passed]
        worst = next(
            (e for e in failed if e.severity.value == "ERROR"), failed[0] if failed else evs[0]
        )
        out.append(
            {
                "asset": asset,
                "check": name,
                "passed": not failed,
                "severity": worst.severity.value,
                "description": worst.description or "",
                "partitions": len(evs),
                "failed_partitions": sorted(e.partition for e in failed if e.partition),
            }
        )
    return out


# --------------------------------------------------------------------------- commands
def cmd_generate(args: argparse.Namespace) -> int:
    from synthetic import generate

    report = generate(
        out=Path(args.out),
        start=args.start,
        days=args.days,
        agents=args.agents,
        seed=args.seed,
        defects=args.defects,
        sidecar=Path(args.sidecar) if args.sidecar else None,
    )
    print(report)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    manifest = prepare(get_settings())
    print(f"dbt manifest ready: {manifest}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return run_and_report(args.start, args.end, full_refresh=args.full_refresh, wait=args.wait)


def run_and_report(
    start: date | None = None,
    end: date | None = None,
    *,
    full_refresh: bool = False,
    wait: bool = False,
) -> int:
    """``csq run``: the pipeline over the complete deliveries in ``[start, end]`` (open ends:
    all of them), then the summary; the exit code (0 ok, 1 failed, 2 nothing to run, 3 another
    run holds the warehouse). Holds the run lock from before the first read to the summary;
    ``wait``: wait for another run to finish instead of exiting."""
    from orchestration.lib.run_lock import WarehouseBusy, warehouse_lock

    settings = get_settings()
    run_id = str(uuid.uuid4())
    try:
        with warehouse_lock(
            settings.home, run_id, WAIT_FOREVER_S if wait else settings.lock_wait_s
        ):
            return _run_holding_the_lock(settings, run_id, start, end, full_refresh)
    except WarehouseBusy as exc:
        print(f"csq run: {exc}", file=sys.stderr)
        return 3


def _run_holding_the_lock(
    settings: Settings, run_id: str, start: date | None, end: date | None, full_refresh: bool
) -> int:
    import dagster as dg

    from orchestration.defs.ingest.landing import landing_scan
    from orchestration.run_guard import clean_up_after_killed_runs
    from orchestration.summary import print_summary, run_summary

    settings.apply_to_environ()
    ensure_dagster_home(settings)
    for line in clean_up_after_killed_runs(settings, dg.DagsterInstance.get(), run_id).lines():
        print(f"cleanup: {line}")
    scan = landing_scan(settings)
    dates = sorted({d.business_date for d in scan.complete})
    dates = [d for d in dates if (start is None or d >= start) and (end is None or d <= end)]
    if not dates:
        print(f"No complete deliveries in {settings.landing_dir} for the requested dates.")
        for item in scan.ignored:
            print(f"   ignored {item}")
        return 2
    outcome = run_pipeline(settings, dates[0], dates[-1], full_refresh=full_refresh, run_id=run_id)
    outcome.ignored = [str(i) for i in scan.ignored]
    summary = run_summary(settings, outcome)
    print_summary(summary)
    return 0 if outcome.success else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from synthetic import generate

    settings = get_settings()
    marker = settings.landing_dir / ".demo.json"
    wanted = {"start": args.start.isoformat(), "days": args.days, "agents": args.agents}
    wanted["seed"] = args.seed
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"Sample deliveries already in {settings.landing_dir} (same parameters).")
    else:
        print(f"Generating {args.days} days at {args.agents} agents into {settings.landing_dir}")
        report = generate(
            out=settings.landing_dir,
            start=args.start,
            days=args.days,
            agents=args.agents,
            seed=args.seed,
        )
        print(report)
        marker.write_text(json.dumps(wanted), encoding="utf-8")
    return run_and_report(wait=args.wait)


def cmd_dev(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.apply_to_environ()
    ensure_dagster_home(settings)
    cmd = [_venv_bin("dagster"), "dev", "-m", "orchestration.definitions"]
    cmd += ["-h", args.host, "-p", str(args.port)]
    # A launcher started with `&` inherits SIGINT ignored: restore it so Ctrl-C stops the UI.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return subprocess.call(cmd, env=os.environ.copy())


def _date(value: str) -> date:
    return date.fromisoformat(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write sample deliveries of all four source systems")
    g.add_argument("--out", required=True, help="landing folder to write into")
    g.add_argument("--start", type=_date, required=True, help="first business date")
    g.add_argument("--days", type=int, required=True)
    g.add_argument("--agents", type=int, default=300)
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--defects", action="store_true", help="inject the contract's faults")
    g.add_argument("--sidecar", help="where to list injected defects (default: beside --out)")
    g.set_defaults(func=cmd_generate)

    p = sub.add_parser("prepare", help="parse the dbt project (manifest for Dagster)")
    p.set_defaults(func=cmd_prepare)

    r = sub.add_parser("run", help="materialise everything for the complete deliveries")
    r.add_argument("--start", type=_date)
    r.add_argument("--end", type=_date)
    r.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt's incremental models from the whole raw layer (dbt --full-refresh)",
    )
    r.add_argument(
        "--wait",
        action="store_true",
        help="if another run holds the warehouse, wait for it (default: exit at once, code 3)",
    )
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="generate sample deliveries (if needed) and run")
    d.add_argument("--start", type=_date, default=DEMO_START)
    d.add_argument("--days", type=int, default=DEMO_DAYS)
    d.add_argument("--agents", type=int, default=DEMO_AGENTS)
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--wait", action="store_true", help="wait for a run that holds the warehouse")
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser("dev", help="start the Dagster UI (127.0.0.1:3000 by default)")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_dev)
    return parser


def _quiet_known_warnings() -> None:
    """Dagster flags the features we rely on (single-run backfills, partitioned checks) as
    beta/preview on every load; the decision is recorded, the noise is not useful."""
    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning):
        warnings.filterwarnings("ignore", category=category)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("run", "demo"):
        _quiet_known_warnings()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
