"""The BI users' side: Superset (``make bi``: ``bi/serve.py`` in its own environment) serves
the six dashboards as code (``bi/assets``) from a freshly published month, read-only; a real
browser (Debian's Chromium driven by Playwright) logs in and looks at every dashboard.

Screenshots are kept as test artefacts in ``.csq/test-artifacts/bi/``."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("bi")]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bi"))  # bi/export.py's REST session (stdlib and PyYAML only)
from export import Session  # noqa: E402

CSQ = str(Path(sys.executable).parent / "csq")
BI_PYTHON = REPO / "bi" / ".venv" / "bin" / "python"
ARTIFACTS = REPO / ".csq" / "test-artifacts" / "bi"
# late May to June: two months (so the lagged views have a previous month), the Q2 CSI wave
# and the H1 pulse; July 1 is delivered but published only by the test of a publish
START, DAYS = date(2026, 5, 25), 37
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLUGS = (
    "service-level",
    "customer-experience",
    "quality-assurance",
    "team-stability",
    "incentives",
    "csi",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Bi:
    home: Path
    env: dict[str, str]
    base: str
    port: int
    user: str
    password: str
    server: subprocess.Popen

    @property
    def published(self) -> Path:
        return self.home / "published" / "marts.duckdb"

    def mart(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.published), read_only=True) as con:
            return con.execute(sql).fetchall()


def _wait_http(url: str, proc: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{url} never answered"
        time.sleep(1)


@pytest.fixture(scope="module")
def bi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bi]:
    home = tmp_path_factory.mktemp("bi")
    env = {**os.environ, "CSQ_HOME": str(home), "CSQ_PII_SALT": "bi", "CSQ_DBT_TARGET": "ci"}
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR"):
        env.pop(var, None)

    def csq(*args: str) -> None:
        proc = subprocess.run([CSQ, *args], env=env, capture_output=True, text=True, timeout=1500)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]

    landing = str(home / "landing")
    csq(
        "generate",
        "--out",
        landing,
        "--start",
        str(START),
        "--days",
        str(DAYS + 1),
        "--agents",
        "20",
        "--seed",
        "7",
    )
    csq("run", "--end", str(START + timedelta(days=DAYS - 1)))  # July 1 is published later
    user, password = "analyst", secrets.token_urlsafe(10)
    bi_env = {**env, "CSQ_BI_USER": user, "CSQ_BI_PASSWORD": password}
    port = _free_port()
    log = open(home / "superset.log", "wb")  # noqa: SIM115 - the server writes it while it runs
    server = subprocess.Popen(
        [str(BI_PYTHON), str(REPO / "bi" / "serve.py"), "--port", str(port)],
        env=bi_env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/health", server, 300)
        yield Bi(home, env, base, port, user, password, server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _browser():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    return manager, browser


def _login(page, bi: Bi) -> None:
    """The login form, as a person fills it in; fails unless Superset lets them in."""
    for _ in range(3):  # the first request after start may still be warming the app up
        page.goto(f"{bi.base}/login/")
        page.fill("#username", bi.user)
        page.fill("#password", bi.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        # a just-started app can answer the form before the session sticks: prove it does
        page.goto(f"{bi.base}/dashboard/list/")
        page.wait_for_load_state("networkidle")
        if "/login" not in page.url:
            return
    raise AssertionError(f"the login form did not let {bi.user} in: {page.url}")


def _render(page, bi: Bi, slug: str, timeout_s: float = 90) -> dict:
    """Open a dashboard and wait until every chart finished loading; what it shows."""
    page.goto(f"{bi.base}/superset/dashboard/{slug}/?standalone=0")
    if "/login" in page.url:  # the session was dropped (app restarted a worker): log in again
        _login(page, bi)
        page.goto(f"{bi.base}/superset/dashboard/{slug}/?standalone=0")
    assert "/login" not in page.url, f"{slug}: sent to the login page: {page.url}"
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_timeout(1500)
        holders = page.locator("[data-test='dashboard-component-chart-holder']").count()
        loading = page.locator("[data-test='dashboard-component-chart-holder'] .loading").count()
        if holders and not loading:
            break
        assert time.monotonic() < deadline, f"{slug}: charts still loading"
    page.wait_for_timeout(1500)
    text = page.inner_text("body")
    notes = page.locator("[data-test='dashboard-markdown-editor']").count()
    return {
        "charts": holders - notes,
        "notes": notes,
        "errors": page.locator(".ant-alert-error, [data-test='error-message']").count(),
        "no_results": len(re.findall(r"No results were returned|No data", text)),
        "text": text,
    }


def test_superset_serves_every_dashboard_with_data_in_a_real_browser(bi: Bi) -> None:
    api = Session(bi.base, bi.user, bi.password)
    listing = json.loads(api.request("/api/v1/dashboard/?q=(page_size:50)"))["result"]
    dashboards = {d["slug"]: d for d in listing}
    assert set(SLUGS) <= set(dashboards)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        _login(page, bi)
        texts = {}
        for slug in SLUGS:
            expected = len(json.loads(api.request(f"/api/v1/dashboard/{slug}/charts"))["result"])
            shown = _render(page, bi, slug)
            texts[slug] = shown["text"]
            page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)
            assert shown["charts"] == expected >= 3, (slug, shown["charts"], expected)
            assert shown["errors"] == 0, f"{slug}: an error panel"
            assert shown["no_results"] == 0, f"{slug}: a chart without data"
    finally:
        browser.close()
        manager.stop()
    assert "十分满意" in texts["csi"]  # CJK category values render
    # one number of the stability dashboard against the mart: the team-month table's CSAT
    ((month, team, csat, n),) = bi.mart(
        "select strftime(month, '%Y-%m'), team_id, csat_top2_rate, csat_n "
        "from kpi_team_stability_monthly where team_id <> '-1' and csat_n > 0 "
        "order by month desc, csat_n desc limit 1"
    )
    row = next(
        line
        for line in texts["team-stability"].splitlines()
        if line.startswith(month) and team in line
    )
    assert f"{100 * csat:.1f}%" in row and f"{n:,}" in row, (month, team, csat, n, row)


def test_a_wrong_password_is_refused_and_the_server_binds_to_localhost_only(bi: Bi) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        Session(bi.base, bi.user, bi.password + "x")
    assert refused.value.code == 401
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        address = s.getsockname()[0]
    assert not address.startswith("127.")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{address}:{bi.port}/health", timeout=5)
    listening = subprocess.run(
        ["ss", "-ltnH", f"sport = :{bi.port}"], capture_output=True, text=True
    )
    assert listening.stdout.strip() and all(
        line.split()[3].startswith("127.0.0.1:") for line in listening.stdout.strip().splitlines()
    ), listening.stdout


def test_a_dashboard_open_across_a_publish_keeps_working_and_shows_the_new_day(bi: Bi) -> None:
    """A reader open while the publish swaps the file keeps working (the old file stays open
    until it reconnects); after a refresh it shows the new day."""
    july = START + timedelta(days=DAYS)
    before = bi.mart("select sum(offered) from kpi_queue_daily")[0][0]
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        _login(page, bi)
        _render(page, bi, "service-level")
        progress = bi.home / "across-publish.log"
        with progress.open("wb") as out:
            run = subprocess.Popen(
                [CSQ, "run", "--start", str(july), "--end", str(july)],
                env={**bi.env, "PYTHONUNBUFFERED": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            # A reader every 30 s while the run builds the warehouse, then one after the other
            # from the moment the marts are built until the publish has swapped the file
            # (rendering non-stop all along only slows the run down on two cores).
            last = 0.0
            while run.poll() is None:
                marts_built = "dbt_kpi_marts" in progress.read_text(errors="replace")
                if marts_built or time.monotonic() - last > 30:
                    last = time.monotonic()
                    shown = _render(page, bi, "service-level")
                    assert shown["errors"] == 0 and shown["no_results"] == 0
                else:
                    time.sleep(1)
        assert run.returncode == 0, progress.read_text(errors="replace")[-3000:]
        after = bi.mart("select sum(offered) from kpi_queue_daily")[0][0]
        assert after > before
        shown = _render(page, bi, "service-level")
        assert f"{after:,}" in shown["text"] or str(after) in shown["text"], (before, after)
        page.screenshot(path=str(ARTIFACTS / "service-level-after-publish.png"), full_page=True)
    finally:
        browser.close()
        manager.stop()


def _load(folder: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("**/*.yaml"))]


def test_the_dashboards_are_reviewed_yaml_reading_what_their_dbt_exposures_declare() -> None:
    """bi/assets is the source of the dashboards: one read-only database (the published file,
    filled in at import), six dashboards whose charts read exactly the tables the dbt
    exposure of the same slug depends on (so the lineage graph tells auditors the truth)."""
    assets = REPO / "bi" / "assets"
    (database,) = _load(assets / "databases")
    assert database["sqlalchemy_uri"] == "duckdb:///__CSQ_PUBLISHED_DB__?access_mode=read_only"
    assert database["allow_dml"] is False and database["allow_file_upload"] is False
    datasets = {d["uuid"]: d for d in _load(assets / "datasets")}
    charts = {c["uuid"]: c for c in _load(assets / "charts")}
    assert {d["database_uuid"] for d in datasets.values()} == {database["uuid"]}

    def tables(dataset: dict) -> set[str]:
        if not dataset["sql"]:
            return {dataset["table_name"]}
        return set(re.findall(r"(?:from|join)\s+(\w+)", dataset["sql"], flags=re.IGNORECASE))

    read: dict[str, set[str]] = {}
    for dashboard in _load(assets / "dashboards"):
        uuids = [
            n["meta"]["uuid"]
            for n in dashboard["position"].values()
            if isinstance(n, dict) and n.get("type") == "CHART"
        ]
        assert uuids and set(uuids) <= set(charts), dashboard["slug"]  # every chart placed
        read[dashboard["slug"]] = set().union(
            *(tables(datasets[charts[u]["dataset_uuid"]]) for u in uuids)
        )
    assert set(read) == set(SLUGS)
    placed = {
        n["meta"]["uuid"]
        for d in _load(assets / "dashboards")
        for n in d["position"].values()
        if isinstance(n, dict) and n.get("type") == "CHART"
    }
    assert placed == set(charts), "a chart file no dashboard shows"
    exposures = yaml.safe_load(
        (REPO / "dbt_project/models/marts/kpi/_kpi__exposures.yml").read_text(encoding="utf-8")
    )["exposures"]
    declared = {
        e["url"].rstrip("/").rsplit("/", 1)[-1]: {
            re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in e["depends_on"]
        }
        for e in exposures
    }
    assert declared == read


def test_without_a_published_file_make_bi_says_how_to_make_one(tmp_path: Path) -> None:
    env = {**os.environ, "CSQ_HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(BI_PYTHON), str(REPO / "bi" / "serve.py")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "No published marts" in proc.stderr and "make demo" in proc.stderr
    assert not (tmp_path / "bi").exists()  # nothing set up, nothing served


def _comparable(node: object) -> object:
    """A YAML document without what only names one instance's rows (numeric ids)."""
    if isinstance(node, dict):
        return {
            k: _comparable(v)
            for k, v in node.items()
            if k not in {"chartId", "datasource", "slice_id", "datasetId"}
        }
    if isinstance(node, list):
        return [_comparable(v) for v in node]
    return node


def test_exporting_the_imported_dashboards_gives_back_bi_assets(bi: Bi, tmp_path: Path) -> None:
    """The edit loop (change in the UI, `bi/export.py`, review the diff) is lossless: what an
    instance imported from bi/assets exports is bi/assets again, file for file."""
    out = tmp_path / "assets"
    env = {**bi.env, "CSQ_BI_USER": bi.user, "CSQ_BI_PASSWORD": bi.password}
    proc = subprocess.run(
        [str(BI_PYTHON), str(REPO / "bi" / "export.py"), "--url", bi.base, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assets = REPO / "bi" / "assets"
    files = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*.yaml"))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == files
    for name in files:
        mine, theirs = (yaml.safe_load((root / name).read_text("utf-8")) for root in (assets, out))
        for doc in (mine, theirs):
            if isinstance(doc.get("params"), dict):
                doc["params"] = _comparable(doc["params"])
            if "position" in doc:
                doc["position"] = _comparable(doc["position"])
        assert theirs == mine, name
