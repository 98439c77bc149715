"""The benchmark (benchmarks/): its measuring parts on small real inputs, and the whole script
at a tiny scale (scenarios a, b, c and the engine floor). Nothing here asserts a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is a script folder, not an installed package

from benchmarks.bench import build_parser, plan  # noqa: E402
from benchmarks.floor import build_order, statement  # noqa: E402
from benchmarks.phases import PHASES, VALIDATION_PREFIX, phase_of  # noqa: E402
from benchmarks.proctree import descendants, measure  # noqa: E402
from benchmarks.report import evaluate_targets  # noqa: E402


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("step", "phase"),
    [
        ("raw_crm", "raw_ingestion"),
        ("raw_telephony", "raw_ingestion"),
        ("gx_raw", "validation"),
        ("gx_core", "validation"),
        ("dbt_warehouse_models", "dbt_core"),
        ("dbt_kpi_marts", "dbt_marts"),
        ("published__marts", "publish"),
        ("raw_unknown_source", "other"),
    ],
)
def test_steps_map_to_phases(step: str, phase: str) -> None:
    assert phase_of(step) == phase


def test_every_check_step_of_the_pipeline_is_validation() -> None:
    from orchestration.defs.quality import CHECK_STEP_PREFIX, quality_checks

    assert CHECK_STEP_PREFIX == VALIDATION_PREFIX
    names = {c.node_def.name for c in quality_checks}
    assert names == {"gx_core", "gx_raw"}
    assert {phase_of(n) for n in names} == {"validation"}


def test_measure_sees_the_whole_process_tree(tmp_path: Path) -> None:
    # The child allocates ~150 MB in a grandchild: the peak must count the grandchild.
    grandchild = "b = bytearray(150 * 1024 * 1024); import time; time.sleep(1.5)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    cost = measure([sys.executable, "-c", child], {}, tmp_path, tmp_path / "log.txt")
    assert cost.returncode == 0
    assert cost.wall_s >= 1.5
    assert cost.peak_rss_mb >= 150
    assert cost.cpu_s > 0
    assert cost.samples >= 5


def test_descendants_finds_children() -> None:
    script = "import subprocess; subprocess.run(['sleep', '3'])"
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 10
        while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(descendants(proc.pid)) == 2
    finally:
        proc.kill()
        proc.wait()


def test_floor_order_follows_dependencies_and_skips_tests() -> None:
    def node(uid: str, kind: str, deps: list[str], materialized: str = "table") -> dict:
        return {
            "unique_id": uid,
            "resource_type": kind,
            "config": {"enabled": True, "materialized": materialized},
            "depends_on": {"nodes": deps},
        }

    manifest = {
        "nodes": {
            "model.p.fct": node("model.p.fct", "model", ["model.p.stg", "seed.p.cal"]),
            "test.p.t": node("test.p.t", "test", ["model.p.fct"]),
            "model.p.stg": node("model.p.stg", "model", ["model.p.eph"]),
            "model.p.eph": node("model.p.eph", "model", [], "ephemeral"),
            "seed.p.cal": node("seed.p.cal", "seed", [], "seed"),
        }
    }
    order = [n["unique_id"] for n in build_order(manifest)]
    assert sorted(order) == ["model.p.fct", "model.p.stg", "seed.p.cal"]
    assert order.index("model.p.fct") > max(order.index("model.p.stg"), order.index("seed.p.cal"))


def test_floor_statement_is_a_ctas_and_names_missing_sql() -> None:
    model = {
        "unique_id": "model.p.x",
        "resource_type": "model",
        "relation_name": '"w"."core"."x"',
        "config": {"materialized": "incremental"},
        "compiled_code": "select 1 as a",
    }
    assert statement(model) == 'create or replace table "w"."core"."x" as (\nselect 1 as a\n)'
    with pytest.raises(RuntimeError, match=r"model\.p\.x: no compiled SQL"):
        statement({**model, "compiled_code": None})


def test_arguments_require_the_backfill() -> None:
    parser = build_parser()
    assert parser.parse_args([]).scenarios == ("a", "b", "c")
    assert parser.parse_args(["--scenarios", "c,a"]).scenarios == ("a", "c")
    assert parser.parse_args(["--daily-on", "180,90"]).daily_on == (90, 180)
    with pytest.raises(SystemExit):
        parser.parse_args(["--scenarios", "b,c"])


def test_plan_puts_the_daily_run_on_the_same_day_for_every_history() -> None:
    runs = plan(date(2025, 1, 1), 365, ("a", "b", "c"), (90,))
    got = [(r.name, r.home, r.first.isoformat(), r.last.isoformat(), r.history_days) for r in runs]
    assert got == [
        ("a", "main", "2025-01-01", "2025-12-31", 0),
        ("b", "main", "2026-01-01", "2026-01-01", 365),
        ("c", "main", "2026-01-01", "2026-01-01", 365),
        ("a@90", "history-90", "2025-10-03", "2025-12-31", 0),
        ("b@90", "history-90", "2026-01-01", "2026-01-01", 90),
    ]
    # Without b, c re-runs the backfill's last day and no history runs are planned.
    assert [(r.name, r.first.isoformat()) for r in plan(date(2025, 1, 1), 3, ("a", "c"), (1,))] == [
        ("a", "2025-01-01"),
        ("c", "2025-01-03"),
    ]


def test_targets_are_computed_from_the_figures() -> None:
    def scenario(wall: float, validation: float, history: int, peak: float) -> dict:
        phases = dict.fromkeys(PHASES, 1.0) | {"validation": validation, "raw_ingestion": 60.0}
        return {
            "history_days": history,
            "process": {"wall_s": wall, "cpu_s": wall / 2, "peak_rss_mb": peak},
            "dagster": {"phases_s": phases},
        }

    report = {
        "parameters": {"days": 365, "agents": 300},
        "scenarios": {
            "a": scenario(1000.0, 100.0, 0, 1500.0),
            "b": scenario(50.0, 20.0, 365, 900.0),
            "b@90": scenario(40.0, 10.0, 90, 800.0),
        },
        "engine_floor": {"sql_s": 400.0, "process": {"cpu_s": 250.0}},
        "read_floor": {"read_s": 40.0},
    }
    got = {t["target"]: (t["measured"], t["met"]) for t in evaluate_targets(report)}
    assert got == {
        "daily run / full backfill": (0.05, True),
        "daily run growth with history": (0.25, False),
        "daily run / engine floor": (0.125, True),
        "daily run at 365 d x 300 agents / 114 s": (0.4386, False),
        "full backfill / engine floor": (2.5, True),
        "raw ingestion / bare CSV read": (1.5, True),
        "validation / full backfill": (0.1, True),
        "validation / daily run": (0.4, False),
        "peak memory (process tree)": (1500.0, True),
    }
    by_cpu = {t["target"]: t["measured_by_cpu"] for t in evaluate_targets(report)}
    assert by_cpu["daily run / full backfill"] == 0.05
    assert by_cpu["full backfill / engine floor"] == 2.0
    # The 114 s baseline is only comparable at the scale it was measured at.
    report["parameters"]["agents"] = 150
    smaller = {t["target"]: t["met"] for t in evaluate_targets(report)}
    assert smaller["daily run at 365 d x 300 agents / 114 s"] is None


# --------------------------------------------------------------------------- the script
@pytest.mark.integration
@pytest.mark.xdist_group("pipeline")
def test_benchmark_runs_end_to_end_at_tiny_scale(tmp_path: Path) -> None:
    """The script as ``make bench`` runs it: backfill, engine floor and a re-run (scenario b
    runs the very same code as c on another day; with it the test would take a third longer:
    every pipeline run has a fixed cost of one to two minutes on this machine)."""
    out, work = tmp_path / "out", tmp_path / "work"
    args = ["--days", "2", "--agents", "10", "--seed", "3", "--start", "2026-03-01"]
    args += ["--scenarios", "a,c", "--out", str(out), "--work-dir", str(work)]
    env = {**os.environ, "CSQ_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (path,) = out.glob("bench-*-2d-10a-s3.json")
    report = json.loads(path.read_text())
    assert not work.exists()  # removed without --keep

    assert report["parameters"]["scenarios"] == ["a", "c"]
    assert report["machine"]["cores"] >= 1
    assert report["versions"]["dagster"] and report["versions"]["duckdb"]
    assert report["git"]["commit"]
    gen = report["generation"]
    assert gen["days"] == 2 and gen["rows"] > 0 and gen["process"]["wall_s"] > 0

    scenarios = report["scenarios"]
    assert list(scenarios) == ["a", "c"]
    assert scenarios["a"]["dates"] == ["2026-03-01", "2026-03-02"]
    assert scenarios["c"]["dates"] == ["2026-03-02", "2026-03-02"]
    for name, s in scenarios.items():
        assert s["dagster"]["status"] == "SUCCESS", name
        assert set(s["dagster"]["phases_s"]) >= set(PHASES), name
        for phase in PHASES:
            assert s["dagster"]["phases_s"][phase] > 0, (name, phase)
            assert s["rows_per_s"][phase] > 0, (name, phase)
        dbt_nodes = s["dagster"]["dbt_nodes"]
        assert dbt_nodes["models_and_seeds"] > 20 and dbt_nodes["tests"] > 20, name
        assert dbt_nodes["models_execution_s"] > 0 and dbt_nodes["tests_execution_s"] > 0, name
        proc = s["process"]
        assert proc["wall_s"] >= s["dagster"]["dagster_run_s"] > 0, name
        assert proc["cpu_s"] > 0 and proc["peak_rss_mb"] > 100, name
        # Clean generated data: every announced row reaches the raw layer.
        assert s["rows"]["raw"] == s["rows"]["landing"] > 0, name
        for layer in ("staging", "core", "kpi", "gx_validated", "published"):
            assert s["rows"][layer] > 0, (name, layer)
        assert s["storage_bytes"]["raw_layer"] > 0 and s["storage_bytes"]["warehouse"] > 0
    assert scenarios["a"]["rows"]["raw"] == gen["rows"]
    # Re-running a loaded day changes nothing in the warehouse (the published file also keeps
    # append-only history tables, so it is not compared).
    for layer in ("staging", "intermediate", "core", "kpi"):
        assert scenarios["c"]["rows"][layer] == scenarios["a"]["rows"][layer], layer

    floor = report["engine_floor"]
    assert floor["sql_s"] > 0 and floor["nodes"] > 20
    assert floor["row_mismatches_vs_backfill"] == {}  # the floor really ran the same SQL
    assert floor["backfill_ratio"] > 1

    read = report["read_floor"]
    assert read["files"] == 2 * 18 and read["rows"] == gen["rows"] and read["read_s"] > 0
    assert read["raw_ingestion_ratio"] == pytest.approx(
        scenarios["a"]["dagster"]["phases_s"]["raw_ingestion"] / read["read_s"], rel=0.01
    )

    targets = {t["target"]: t for t in report["targets"]}
    assert len(targets) == 9
    assert targets["daily run / full backfill"]["measured"] is None  # no scenario b
    assert targets["full backfill / engine floor"]["measured"] == pytest.approx(
        scenarios["a"]["process"]["wall_s"] / floor["sql_s"], rel=1e-3
    )
    assert "floor" in done.stdout and str(path) in done.stdout


def test_peak_memory_is_attributed_to_the_phase_it_happened_in() -> None:
    from benchmarks.proctree import peak_in_windows

    timeline = [(0.5, 100 * 1024), (1.5, 900 * 1024), (2.5, 300 * 1024), (9.0, 50 * 1024)]
    windows = {"dbt_core": [(1.0, 2.0)], "validation": [(2.0, 3.0), (5.0, 6.0)]}
    assert peak_in_windows(timeline, windows) == {
        "dbt_core": 900.0,
        "outside": 100.0,
        "validation": 300.0,
    }
