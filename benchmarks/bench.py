"""The benchmark driver: generate deliveries, then run the pipeline scenarios and the engine
floor, each in a measured child process, and write one JSON report.

Scenarios (all through ``csq run``, the same code path as a user):
  a   full backfill of the first ``--days`` days (one Dagster run over the range);
  b   the daily run: one more day (day ``days + 1``) on top of that history;
  c   a re-run of an already loaded day (the last one loaded).
``b`` is also measured on top of shorter histories (``--daily-on``; default 90 when
``--days >= 365``): a fresh home backfills the ``H`` days just before the same new day, then
runs that day, so only the length of the history differs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks import floor as engine_floor
from benchmarks import measures
from benchmarks.phases import PHASES, run_timings
from benchmarks.proctree import ProcessCost, measure, peak_in_windows, tail
from benchmarks.report import (
    environment,
    evaluate_targets,
    load_average,
    render_table,
    write_json,
)
from orchestration.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_START = date(2025, 1, 1)
BENCH_SALT = "csq-benchmark-salt"
WORK_MARKER = ".csq-benchmark"
SCENARIOS = ("a", "b", "c")
_INHERITED_CONFIG = ("CSQ_", "DAGSTER_HOME")


class BenchmarkError(RuntimeError):
    """A measured step failed; the message names the step and ends with its log."""


# --------------------------------------------------------------------------- arguments
def _scenarios(value: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"scenarios must be among {SCENARIOS}, got {value!r}")
    if "a" not in chosen:
        raise argparse.ArgumentTypeError("scenarios b and c run on top of a: include a")
    return tuple(s for s in SCENARIOS if s in chosen)


def _history_lengths(value: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(v) for v in value.split(",") if v.strip()}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--daily-on takes day counts like 90,180: {exc}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365, help="history length of the backfill")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help="first business date (default %(default)s)",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenarios,
        default=SCENARIOS,
        help="comma list among a,b,c (default a,b,c)",
    )
    parser.add_argument(
        "--daily-on",
        type=_history_lengths,
        default=None,
        help="also run b on top of these history lengths (default: 90 when --days >= 365)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the engine and read floors")
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON report folder (default $CSQ_HOME/benchmarks)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="generated data and homes (default $CSQ_HOME/benchmarks/work); wiped at start",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir afterwards")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="CSQ_ENGINE of the runs (spark: dbt-spark on a local session; the floors stay DuckDB)",
    )
    parser.add_argument(
        "--dbt-target", default=None, help="dbt target of the runs (default: the engine's)"
    )
    return parser


# --------------------------------------------------------------------------- plumbing
def child_env(
    home: Path, landing: Path, start: date, dbt_target: str | None, engine: str = "duckdb"
) -> dict[str, str]:
    """The environment of a measured child: this process's, minus inherited CSQ settings,
    plus a home of its own (the settings module resolves every path from it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_CONFIG)}
    env.update(
        {
            "CSQ_HOME": str(home),
            "CSQ_LANDING_DIR": str(landing),
            "CSQ_PII_SALT": BENCH_SALT,
            "CSQ_PARTITIONS_START": start.isoformat(),
            "CSQ_ENGINE": engine,
            "CSQ_DBT_TARGET": dbt_target or ("spark" if engine == "spark" else "dev"),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }
    )
    return env


def _csq(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def _checked(cost: ProcessCost, what: str) -> ProcessCost:
    if cost.returncode != 0:
        raise BenchmarkError(
            f"{what} failed (exit {cost.returncode}); log {cost.log}:\n{tail(cost.log)}"
        )
    return cost


def _cost(cost: ProcessCost) -> dict[str, Any]:
    return {
        "wall_s": cost.wall_s,
        "cpu_user_s": cost.cpu_user_s,
        "cpu_sys_s": cost.cpu_sys_s,
        "cpu_s": round(cost.cpu_s, 3),
        "peak_rss_mb": cost.peak_rss_mb,
        "rss_samples": cost.samples,
        "log": cost.log,
    }


def _rate(rows: int, seconds: float) -> float | None:
    return round(rows / seconds, 1) if seconds > 0 else None


def prepare_work_dir(work: Path) -> None:
    """Empty ``work`` for a new benchmark; refuse a non-empty folder we did not create."""
    if work.exists() and any(work.iterdir()):
        if not (work / WORK_MARKER).exists():
            raise BenchmarkError(f"--work-dir {work} is not empty and not a benchmark work dir")
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    (work / WORK_MARKER).write_text("created by benchmarks/run.py; wiped on the next run\n")


# --------------------------------------------------------------------------- steps
def generate(args: argparse.Namespace, work: Path, landing: Path, days: int) -> dict[str, Any]:
    """Generate ``days`` days of deliveries into ``landing`` (measured)."""
    cmd = _csq("generate", "--out", str(landing), "--start", args.start.isoformat())
    cmd += ["--days", str(days), "--agents", str(args.agents), "--seed", str(args.seed)]
    env = child_env(work / "gen-home", landing, args.start, args.dbt_target, args.engine)
    cost = _checked(measure(cmd, env, REPO, work / "logs" / "generate.log"), "generation")
    rows = measures.landing_rows(landing)
    return {
        "days": days,
        "agents": args.agents,
        "process": _cost(cost),
        "rows": rows,
        "rows_per_s": _rate(rows, cost.wall_s),
        "landing_bytes": measures.dir_bytes(landing),
    }


def run_scenario(
    name: str,
    description: str,
    env: dict[str, str],
    first: date,
    last: date,
    work: Path,
    history_days: int,
) -> dict[str, Any]:
    """``csq run --start first --end last`` in a measured child; phases from its event log."""
    settings = load_settings(env)
    cmd = _csq("run", "--start", first.isoformat(), "--end", last.isoformat())
    cost = _checked(measure(cmd, env, REPO, work / "logs" / f"run-{name}.log"), f"scenario {name}")
    summary = json.loads((settings.reports_dir / "last_run_summary.json").read_text())
    if summary["run"]["success"] != "True":
        raise BenchmarkError(f"scenario {name}: run failed: {summary['run'].get('failure')}")
    timings = run_timings(settings.dagster_home, summary["run"]["run_id"])
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    layers = measures.warehouse_rows(settings)
    rows = {
        "landing": measures.landing_rows(settings.landing_dir, dates),
        "raw": measures.raw_rows(settings.raw_dir, dates),
        "staging_to_core": layers["staging"] + layers["intermediate"] + layers["core"],
        **layers,
        "gx_validated": timings.check_rows,
        "published": measures.published_rows(settings),
    }
    phases = timings.phases
    rows_per_s = {
        "raw_ingestion": _rate(rows["raw"], phases["raw_ingestion"]),
        "dbt_core": _rate(rows["staging_to_core"], phases["dbt_core"]),
        "validation": _rate(rows["gx_validated"], phases["validation"]),
        "dbt_marts": _rate(rows["kpi"], phases["dbt_marts"]),
        "publish": _rate(rows["published"], phases["publish"]),
    }
    return {
        "description": description,
        "dates": [first.isoformat(), last.isoformat()],
        "days": len(dates),
        "history_days": history_days,
        "process": _cost(cost),
        "peak_rss_mb_by_phase": peak_in_windows(cost.timeline, timings.phase_windows()),
        "dagster": timings.as_dict(),
        "overhead_s": round(cost.wall_s - sum(phases[p] for p in PHASES), 3),
        "rows": rows,
        "rows_per_s": rows_per_s,
        "storage_bytes": measures.storage_bytes(settings),
    }


def run_floor(env: dict[str, str], work: Path, backfill: dict[str, Any]) -> dict[str, Any]:
    """Compile the project against the scenario's raw layer and time the SQL alone."""
    settings = load_settings(env)
    floor_dir = work / "floor"
    compile_env = {**env, **settings.subprocess_env()}
    compile_env["CSQ_WAREHOUSE"] = str(floor_dir / "compile" / settings.warehouse.name)
    # the floor is DuckDB's SQL on the same lake, whichever engine the runs used
    compile_env.update({"CSQ_ENGINE": "duckdb", "CSQ_DBT_TARGET": "dev"})
    manifest = engine_floor.compile_project(compile_env, floor_dir / "target", floor_dir / "logs")
    result = floor_dir / "floor.json"
    cmd = [sys.executable, "-m", "benchmarks.floor", str(manifest), str(floor_dir / "run")]
    cmd.append(str(result))
    cost = _checked(measure(cmd, env, REPO, work / "logs" / "floor.log"), "engine floor")
    outcome = json.loads(result.read_text())
    floor_rows = outcome["rows"]
    wh_rows = backfill.pop("_tables")  # the warehouse tables right after the backfill
    mismatches = {
        t: {"pipeline": n, "floor": floor_rows.get(t)}
        for t, n in wh_rows.items()
        if floor_rows.get(t) != n
    }
    dbt_s = (
        backfill["dagster"]["phases_s"]["dbt_core"] + backfill["dagster"]["phases_s"]["dbt_marts"]
    )
    return {
        "description": "the same dbt SQL (full refresh) in one DuckDB process, nothing else",
        "sql_s": outcome["sql_s"],
        "nodes": outcome["nodes"],
        "slowest_nodes_s": dict(sorted(outcome["node_s"].items(), key=lambda kv: -kv[1])[:10]),
        "process": _cost(cost),
        "db_bytes": outcome["db_bytes"],
        "backfill_ratio": round(backfill["process"]["wall_s"] / outcome["sql_s"], 2),
        "dbt_only_ratio": round(dbt_s / outcome["sql_s"], 2),
        "row_mismatches_vs_backfill": mismatches,
    }


def run_read_floor(env: dict[str, str], work: Path, backfill: dict[str, Any]) -> dict[str, Any]:
    """A bare columnar read of the CSV files the backfill loaded (:mod:`benchmarks.read_floor`)."""
    settings = load_settings(env)
    first, last = backfill["dates"]
    result = work / "read_floor.json"
    cmd = [sys.executable, "-m", "benchmarks.read_floor", str(settings.landing_dir), first, last]
    cmd.append(str(result))
    cost = _checked(measure(cmd, env, REPO, work / "logs" / "read_floor.log"), "read floor")
    outcome = json.loads(result.read_text())
    raw_s = backfill["dagster"]["phases_s"]["raw_ingestion"]
    return {
        "description": "every landing CSV of the backfill read by pyarrow.csv, one thread, "
        "all columns text, nothing else",
        **outcome,
        "process": _cost(cost),
        "raw_ingestion_ratio": round(raw_s / outcome["read_s"], 2) if outcome["read_s"] else None,
    }


# --------------------------------------------------------------------------- driver
@dataclass(frozen=True)
class Planned:
    """One pipeline run of the benchmark: ``csq run --start first --end last`` in ``home``."""

    name: str
    description: str
    home: str
    first: date
    last: date
    history_days: int


def plan(
    start: date, days: int, scenarios: tuple[str, ...], daily_on: tuple[int, ...]
) -> list[Planned]:
    """The runs in order: a, b, c in home ``main``; then per history length H a backfill of
    the H days before b's day and b's day on top of it, in home ``history-H``."""

    def day(i: int) -> date:
        return start + timedelta(days=i)

    runs = [Planned("a", f"full backfill of {days} days", "main", day(0), day(days - 1), 0)]
    new_day = day(days)
    if "b" in scenarios:
        runs.append(
            Planned("b", f"one more day on top of {days} days", "main", new_day, new_day, days)
        )
    if "c" in scenarios:
        again = new_day if "b" in scenarios else day(days - 1)
        runs.append(Planned("c", "re-run of an already loaded day", "main", again, again, days))
    for h in daily_on if "b" in scenarios else ():
        home = f"history-{h}"
        runs.append(
            Planned(
                f"a@{h}",
                f"backfill of the {h} days before b's day",
                home,
                day(days - h),
                day(days - 1),
                0,
            )
        )
        runs.append(Planned(f"b@{h}", f"b's day on top of {h} days", home, new_day, new_day, h))
    return runs


def default_dir(settings: Settings, leaf: str) -> Path:
    return settings.home / "benchmarks" / leaf


def run_benchmark(args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    """Run everything ``args`` asks for; return the report and where it was written."""
    # Only the home matters here (the children get their own salt): no demo-salt warning.
    settings = load_settings({**os.environ, "CSQ_PII_SALT": BENCH_SALT})
    out = (args.out or default_dir(settings, "")).resolve()
    work = (args.work_dir or default_dir(settings, "work")).resolve()
    if args.days < 1 or args.agents < 1:
        raise BenchmarkError("--days and --agents must be positive")
    daily_on = args.daily_on if args.daily_on is not None else ((90,) if args.days >= 365 else ())
    bad = [h for h in daily_on if not 0 < h < args.days]
    if bad:
        raise BenchmarkError(f"--daily-on lengths must be between 1 and --days - 1, got {bad}")
    total_days = args.days + (1 if "b" in args.scenarios else 0)
    last_date = args.start + timedelta(days=total_days - 1)
    if last_date >= date.today():
        raise BenchmarkError(f"the last business date {last_date} must lie before today")

    prepare_work_dir(work)
    report: dict[str, Any] = {
        "benchmark": "csq pipeline (issue 5)",
        "parameters": {
            "days": args.days,
            "agents": args.agents,
            "seed": args.seed,
            "start": args.start.isoformat(),
            "scenarios": list(args.scenarios),
            "daily_on": list(daily_on),
            "engine": args.engine,
            "dbt_target": args.dbt_target,
            "work_dir": str(work),
        },
        **environment(),
        "load_average": {"start": load_average()},
        "scenarios": {},
    }
    landing = work / "landing"
    report["generation"] = generate(args, work, landing, total_days)
    scenarios = report["scenarios"]

    for step in plan(args.start, args.days, args.scenarios, daily_on):
        env = child_env(work / step.home, landing, args.start, args.dbt_target, args.engine)
        result = run_scenario(
            step.name, step.description, env, step.first, step.last, work, step.history_days
        )
        scenarios[step.name] = result
        if step.name == "a" and not args.no_floor:
            result["_tables"] = measures.warehouse_tables(load_settings(env))
            report["engine_floor"] = run_floor(env, work, result)
            report["read_floor"] = run_read_floor(env, work, result)
    report["load_average"]["end"] = load_average()
    report["targets"] = evaluate_targets(report)
    path = write_json(report, out)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report, path


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report, path = run_benchmark(args)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(render_table(report))
    print(f"\nreport: {path}")
    return 0
