"""The README's commands are the product. One small demo home (``csq demo``, the code path of
``make demo``) serves every command and query the README and ``docs/`` show: each fenced
``sql`` block runs where its first line says, each ``bash`` line runs (or names the test that
runs it), each line of the ``csq`` synopsis names options the CLI has; then the UI (``csq
dev``) and the docs server (``csq docs``) are started and looked at over http on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("demo")]

REPO = Path(__file__).resolve().parents[1]
CSQ = str(Path(sys.executable).parent / "csq")
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
DEMO = ["demo", "--start", "2026-05-01", "--days", "3", "--agents", "20"]

COVERED_ELSEWHERE = {
    "make demo": "test_csq_demo_runs_to_a_published_file_on_a_fresh_home (its code path)",
    "make test": ".ci/run: CI runs exactly this",
    "make bench": "tests/test_benchmark.py (benchmarks/run.py at a tiny scale)",
    "make bi": "tests/test_bi.py (bi/serve.py, the recipe, on a published month; a server)",
}
"""Commands a test cannot run as they stand (recursive, or hours long), and what covers them."""


def _covered_elsewhere(command: str) -> bool:
    """``make <target> VAR=...`` is covered as ``make <target>`` is; the benchmark's
    ``BENCH_ARGS`` must still be options ``benchmarks/run.py`` accepts."""
    words = shlex.split(command)
    if " ".join(w for w in words if "=" not in w) not in COVERED_ELSEWHERE:
        return False
    for word in words:
        if word.startswith("BENCH_ARGS="):
            sys.path.insert(0, str(REPO))  # benchmarks/ is a script folder, not a package
            from benchmarks.bench import build_parser

            build_parser().parse_args(shlex.split(word.split("=", 1)[1]))  # exits if not
    return True


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    lang: str
    text: str


def fenced_blocks() -> list[Block]:
    """Every fenced block with a language of the README and docs/ (layout diagrams without
    a language are pictures, not commands)."""
    out = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            opening = re.match(r"^```(\w+)\s*$", lines[i])
            if opening:
                end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
                out.append(Block(path, i + 1, opening.group(1), "\n".join(lines[i + 1 : end])))
                i = end
            elif lines[i].startswith("```"):
                i = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            i += 1
    return out


def _commands(block: Block) -> list[str]:
    return [c for c in (line.split(" #")[0].strip() for line in block.text.splitlines()) if c]


@dataclass(frozen=True)
class Demo:
    root: Path
    """A folder laid out like the repository root: ``.csq`` is the demo's CSQ_HOME."""
    env: dict[str, str]
    first: subprocess.CompletedProcess[str]

    @property
    def home(self) -> Path:
        return self.root / ".csq"

    def csq(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CSQ, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("readme")
    env = {**os.environ, "CSQ_HOME": str(root / ".csq"), "CSQ_DBT_TARGET": "ci"}
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR", "CSQ_PII_SALT"):
        env.pop(var, None)
    env["PATH"] = f"{Path(CSQ).parent}{os.pathsep}{env.get('PATH', '')}"
    first = subprocess.run(
        [CSQ, *DEMO], env=env, cwd=root, capture_output=True, text=True, timeout=1200
    )
    assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
    return Demo(root, env, first)


def _target(name: str) -> list[str]:
    """The recipe lines of one Makefile target."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}:.*\n((?:\t.*\n)+)", text, flags=re.MULTILINE)
    assert match, f"Makefile has no target {name}"
    return [line.strip() for line in match.group(1).splitlines()]


def test_the_quick_start_is_the_two_make_targets_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert _target("demo") == ["$(BIN)/csq demo"]
    assert _target("docs") == ["$(BIN)/csq docs"]
    assert "exec make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_csq_demo_runs_to_a_published_file_on_a_fresh_home(demo: Demo) -> None:
    out = demo.first.stdout
    assert "== csq run SUCCEEDED: 2026-05-01 .. 2026-05-03" in out
    assert re.search(r"\[ ?9/9\] published__marts +ok", out)  # a line per step, quiet
    assert "START test" not in out  # dbt's node lines are in the run log, not here
    published = demo.home / "published" / "marts.duckdb"
    assert re.search(rf"published_marts +{re.escape(str(published))}\n", out)
    log = Path(re.search(r"run_log +(\S+)", out).group(1))
    assert "START test" in log.read_text(encoding="utf-8")
    with duckdb.connect(str(published), read_only=True) as con:
        (calls,) = con.execute("select sum(offered) from kpi_queue_daily").fetchone()
        days = con.execute("select count(distinct date) from kpi_queue_daily").fetchone()[0]
    assert calls > 0 and days == 3
    again = demo.csq(*DEMO)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert "Sample deliveries already in" in again.stdout  # a second demo reuses them


def test_every_sql_block_of_the_docs_runs(demo: Demo) -> None:
    blocks = [b for b in fenced_blocks() if b.lang == "sql"]
    assert len(blocks) >= 4  # the auditor guide's path, at least
    for b in blocks:
        first = b.text.splitlines()[0]
        db = re.fullmatch(r"-- db: (published|warehouse|memory)\s*", first)
        assert db, f"{b.file.name}:{b.line}: an sql block starts with '-- db: <database>'"
        proc = demo.csq("sql", "--db", db.group(1), b.text)
        assert proc.returncode == 0, f"{b.file.name}:{b.line}: {proc.stderr[-2000:]}"
        assert not re.search(r"^\s*0 rows", proc.stdout, re.M), f"{b.file.name}:{b.line}: no rows"


def test_every_command_of_the_docs_runs_or_is_run_by_its_test(demo: Demo) -> None:
    ran = []
    for b in (b for b in fenced_blocks() if b.lang == "bash"):
        for command in _commands(b):
            if _covered_elsewhere(command):
                continue
            argv = shlex.split(command)
            assert argv[0] == "csq", (
                f"{b.file.name}:{b.line}: `{command}` is neither run here nor covered"
            )
            proc = demo.csq(*argv[1:])
            assert proc.returncode == 0, f"{b.file.name}:{b.line}: {command}\n{proc.stderr[-2000:]}"
            ran.append(command)
    assert ran  # the README's BI query at least


def test_the_csq_synopsis_names_only_options_the_cli_has(demo: Demo) -> None:
    (synopsis,) = [b for b in fenced_blocks() if b.lang == "text" and b.text.startswith("csq ")]
    for command in _commands(synopsis):
        words = command.split()
        help_text = demo.csq(words[1], "--help").stdout
        for option in re.findall(r"--[a-z-]+", command):
            assert option in help_text, f"`{command}`: csq {words[1]} has no {option}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def _serve(demo: Demo, args: list[str], probe: str, limit: float = 180) -> subprocess.Popen:
    proc = subprocess.Popen(
        [CSQ, *args],
        env=demo.env,
        cwd=demo.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + limit
    while True:
        try:
            _get(probe)
            return proc
        except OSError:
            assert proc.poll() is None, f"csq {' '.join(args)} exited"
            assert time.monotonic() < deadline, f"{probe} never answered"
            time.sleep(1)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _external_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_docs_are_served_on_localhost_with_dbt_docs_and_data_docs(demo: Demo) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(demo, ["docs", "--port", str(port)], f"{base}/index.html")
    try:
        assert b"dbt docs" in _get(f"{base}/index.html")
        assert b"<title>dbt Docs</title>" in _get(f"{base}/dbt_docs/index.html")
        index = _get(f"{base}/data_docs/index.html").decode()
        assert "raw.telephony.calls" in index and "core.fct_call_segments" in index
        page = re.search(r'href="(validations/raw/telephony/calls/[^"]+\.html)"', index).group(1)
        html = _get(f"{base}/data_docs/{page}").decode()
        assert "Partitions</strong> 2026-05-01 .. 2026-05-03" in html
        assert _get(f"{base}/data_docs/static/vendor/css/bootstrap.min.css")
        if address := _external_address():
            with pytest.raises(OSError):
                _get(f"http://{address}:{port}/index.html")
    finally:
        _stop(proc)


def test_cli_runs_are_listed_under_the_job_in_the_ui(demo: Demo) -> None:
    """The Dagster UI (``csq dev``) lists csq run's runs on the job's Runs tab (it filters by
    the code location's repository label), and binds to 127.0.0.1 only."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(demo, ["dev", "--port", str(port)], f"{base}/server_info")
    try:
        query = {
            "query": """{ pipelineOrError(params: {pipelineName: "csq_pipeline",
                repositoryName: "__repository__", repositoryLocationName: "csq_warehouse"}) {
                ... on Pipeline { runs(limit: 10) { runId } } } }"""
        }
        deadline = time.monotonic() + 120
        while True:  # the code location may still be loading
            answer = json.loads(_get(f"{base}/graphql", json.dumps(query).encode()))
            runs = (answer["data"]["pipelineOrError"] or {}).get("runs")
            if runs is not None or time.monotonic() > deadline:
                break
            time.sleep(2)
        summary = json.loads((demo.home / "reports" / "last_run_summary.json").read_text())
        assert summary["run"]["run_id"] in {r["runId"] for r in runs or []}, answer
        if address := _external_address():
            with pytest.raises(OSError):
                _get(f"http://{address}:{port}/server_info")
    finally:
        _stop(proc)
