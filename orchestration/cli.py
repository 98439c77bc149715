"""``csq``: generate sample deliveries, prepare the project, run the pipeline, start the UI.

Every command that builds data goes **through Dagster** (the same job, assets and checks as the
UI, the sensor and the schedule), in-process, recording runs in ``DAGSTER_HOME``.
"""

from __future__ import annotations

import argparse
import contextlib
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
LOCATION_NAME = "csq_warehouse"
"""The code location's name (``[tool.dagster]`` in pyproject.toml, the workspace ``csq dev``
writes): runs ``csq run`` launches carry its repository label so that the UI lists them
under the job, on its Runs tab and the overview timeline, like the runs it launches itself."""
REPOSITORY_LABEL = f"__repository__@{LOCATION_NAME}"
REPOSITORY_LABEL_TAG = ".dagster/repository"
WORKSPACE_YAML = f"""\
# Written by csq dev: the one code location, under the name csq run's runs carry.
load_from:
  - python_module:
      module_name: orchestration.definitions
      location_name: {LOCATION_NAME}
"""

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
    verbose: bool = True,
) -> RunOutcome:
    """Materialise the whole pipeline for ``[start, end]`` in one in-process Dagster run
    (``full_refresh``: the dbt steps rebuild their incremental models from the raw layer).
    The run takes the warehouse's run lock itself (its ``warehouse_lock`` resource); not
    ``verbose``: one line per step on the terminal, the full log in a file (``progress.py``)."""
    import dagster as dg

    settings.apply_to_environ()
    ensure_dagster_home(settings)
    from orchestration.definitions import PIPELINE_JOB_NAME, defs
    from orchestration.defs.dbt import DBT_STEPS

    job = defs.resolve_job_def(PIPELINE_JOB_NAME)
    instance = dg.DagsterInstance.get()
    from orchestration.progress import progress_logger, progress_run_config, quiet_run

    job = job.with_logger_defs(
        {"console": dg.colored_console_logger, "csq_progress": progress_logger}
    )
    run_id = run_id or str(uuid.uuid4())
    # quiet: a line per step on the terminal, the full log (INFO console, dbt's node lines)
    # in logs/run-<id>.log; verbose: all of it on the terminal. DEBUG events: DAGSTER_HOME.
    run_config: dict = progress_run_config(verbose)
    if not verbose:
        run_config["loggers"]["console"] = {"config": {"log_level": "INFO"}}
    if full_refresh:
        run_config["ops"] = {step: {"config": {"full_refresh": True}} for step in DBT_STEPS}
    tags = {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
        "csq/trigger": "cli",
        REPOSITORY_LABEL_TAG: REPOSITORY_LABEL,
    }
    steps = len(job.graph.node_dict)
    days = (end - start).days + 1
    quiet = contextlib.nullcontext() if verbose else quiet_run(settings.home, run_id, steps)
    log_file = None
    with planned_events_per_range(start < end), quiet as redirected:
        if redirected is not None:
            log_file, terminal = redirected
            terminal.write(
                f"csq run {run_id}: {start} .. {end} ({days} partition(s)), {steps} steps; "
                f"full log {log_file}\n"
            )
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            tags=tags,
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
    return RunOutcome(result.success, result.run_id, start, end, checks, failure, log_file=log_file)


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
    return run_and_report(
        args.start, args.end, full_refresh=args.full_refresh, wait=args.wait, verbose=args.verbose
    )


def run_and_report(
    start: date | None = None,
    end: date | None = None,
    *,
    full_refresh: bool = False,
    wait: bool = False,
    verbose: bool = False,
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
            return _run_holding_the_lock(settings, run_id, start, end, full_refresh, verbose)
    except WarehouseBusy as exc:
        print(f"csq run: {exc}", file=sys.stderr)
        return 3


def _run_holding_the_lock(
    settings: Settings,
    run_id: str,
    start: date | None,
    end: date | None,
    full_refresh: bool,
    verbose: bool,
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
    outcome = run_pipeline(
        settings, dates[0], dates[-1], full_refresh=full_refresh, run_id=run_id, verbose=verbose
    )
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
    return run_and_report(wait=args.wait, verbose=args.verbose)


def cmd_dev(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.apply_to_environ()
    ensure_dagster_home(settings)
    workspace = settings.dagster_home / "workspace.yaml"
    workspace.write_text(WORKSPACE_YAML, encoding="utf-8")
    cmd = [_venv_bin("dagster"), "dev", "-w", str(workspace)]
    cmd += ["-h", args.host, "-p", str(args.port)]
    # A launcher started with `&` inherits SIGINT ignored: restore it so Ctrl-C stops the UI.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return subprocess.call(cmd, env=os.environ.copy())


REPORTS_INDEX = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>csq reports</title>
<link rel="stylesheet" href="data_docs/static/vendor/css/bootstrap.min.css">
</head><body><div class="container py-4">
<h1 class="h3">csq: what the pipeline knows about itself</h1>
<ul class="list-group mt-3">
<li class="list-group-item"><a href="data_docs/index.html">Data Docs</a>: every Great
Expectations suite and validation of the quality gate, per partition and run</li>
<li class="list-group-item"><a href="dbt_docs/index.html">dbt docs</a>: every model, column,
test and exposure, with the lineage graph from the raw extracts to the BI dashboards</li>
<li class="list-group-item"><a href="lineage/index.html">Column lineage</a>: every column of
every KPI mart traced back to the extract columns it is computed from</li>
<li class="list-group-item"><a href="last_run_summary.json">last run summary</a> (JSON)</li>
</ul></div></body></html>
"""


def build_docs(settings: Settings, wait: bool = False) -> Path:
    """Build everything ``csq docs`` serves under ``reports/``: the dbt docs (holding the run
    lock: dbt opens the warehouse), the Data Docs index, a landing page. Returns the latter."""
    from orchestration.defs.dbt.docs import build_dbt_docs
    from orchestration.defs.quality.data_docs import write_index
    from orchestration.lib.gx_history import history_dir
    from orchestration.lib.run_lock import warehouse_lock

    settings.apply_to_environ()
    with warehouse_lock(
        settings.home, "csq-docs", WAIT_FOREVER_S if wait else settings.lock_wait_s
    ):
        build_dbt_docs(settings)
    write_index(settings.reports_dir / "data_docs", history_dir(settings.lake_dir))
    _write_lineage(settings)
    landing = settings.reports_dir / "index.html"
    landing.write_text(REPORTS_INDEX, encoding="utf-8")
    return landing


def _write_lineage(settings: Settings) -> Path:
    """``reports/lineage/index.html``: every kpi mart column traced to the extracts."""
    import dagster as dg

    from orchestration.defs.dbt import dbt_kpi_marts
    from orchestration.lineage import write_lineage_page

    ensure_dagster_home(settings)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        marts = sorted(dbt_kpi_marts.keys, key=lambda k: k.to_user_string())
        return write_lineage_page(instance, marts, settings.reports_dir / "lineage")


def cmd_lineage(args: argparse.Namespace) -> int:
    """Print the upstream columns of ``<asset path>.<column>`` down to the raw extracts."""
    import dagster as dg

    from orchestration.lineage import Lineage, render_text

    asset, _, column = args.column.rpartition(".")
    if not asset or not column:
        print(
            "csq lineage: give <asset>.<column>, e.g. kpi/kpi_queue_daily.answered", file=sys.stderr
        )
        return 2
    settings = get_settings()
    ensure_dagster_home(settings)
    key = dg.AssetKey(asset.replace(".", "/").split("/"))
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        lineage = Lineage(instance)
        if lineage.deps(key) is None:
            print(
                f"csq lineage: no column lineage recorded for {key.to_user_string()}",
                file=sys.stderr,
            )
            return 1
        print("\n".join(render_text(lineage.trace(key, column))))
    return 0


def serve(folder: Path, host: str, port: int) -> None:
    """Serve ``folder`` over http on ``host:port`` until interrupted."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with ThreadingHTTPServer((host, port), handler) as server:
        print(f"Serving {folder} on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration.lib.run_lock import WarehouseBusy

    settings = get_settings()
    try:
        landing = build_docs(settings, wait=args.wait)
    except WarehouseBusy as exc:
        print(f"csq docs: {exc}", file=sys.stderr)
        return 3
    host, port = args.host or settings.docs_host, args.port or settings.docs_port
    print(f"Data Docs: http://{host}:{port}/data_docs/index.html")
    print(f"dbt docs:  http://{host}:{port}/dbt_docs/index.html")
    if args.no_serve:
        print(f"Built {landing}")
        return 0
    serve(settings.reports_dir, host, port)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """Run one query, read-only: on the published marts (what BI reads), the warehouse, or an
    in-memory DuckDB (for ``read_parquet`` over the lake); print the result as a table."""
    import duckdb

    settings = get_settings()
    paths = {"published": settings.published_db, "warehouse": settings.warehouse}
    path = paths.get(args.db)
    if path is not None and not path.exists():
        print(
            f"csq sql: {path} does not exist yet: run `csq run` (or `make demo`)", file=sys.stderr
        )
        return 2
    try:
        con = duckdb.connect(str(path), read_only=True) if path else duckdb.connect()
    except duckdb.IOException as exc:
        print(f"csq sql: cannot open {path} read-only: {exc}", file=sys.stderr)
        return 3
    try:
        con.sql(args.query).show(max_rows=args.max_rows, max_width=200)
    except duckdb.Error as exc:
        print(f"csq sql: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


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
        "--verbose",
        action="store_true",
        help="show the full log (every dbt node) on the terminal instead of one line per step",
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
    d.add_argument("--verbose", action="store_true", help="the full log on the terminal")
    d.set_defaults(func=cmd_demo)

    o = sub.add_parser(
        "docs", help="build the dbt docs and Data Docs and serve them (127.0.0.1:8081)"
    )
    o.add_argument("--host", help="address to bind (default CSQ_DOCS_HOST, 127.0.0.1)")
    o.add_argument("--port", type=int, help="port (default CSQ_DOCS_PORT, 8081)")
    o.add_argument("--no-serve", action="store_true", help="build only")
    o.add_argument("--wait", action="store_true", help="wait for a run that holds the warehouse")
    o.set_defaults(func=cmd_docs)

    li = sub.add_parser("lineage", help="a column's upstream columns, down to the extracts")
    li.add_argument("column", help="<asset>.<column>, e.g. kpi/kpi_queue_daily.answered")
    li.set_defaults(func=cmd_lineage)

    q = sub.add_parser("sql", help="run a read-only query on the published marts (or --db)")
    q.add_argument("query")
    q.add_argument("--db", choices=["published", "warehouse", "memory"], default="published")
    q.add_argument("--max-rows", type=int, default=40)
    q.set_defaults(func=cmd_sql)

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
