"""The whole product end to end, exactly as a user runs it: ``csq generate`` then ``csq run``
(subprocesses, so each run loads the code location afresh, as the CLI, UI and schedule do).

One module-scoped run over a month of generated data (June 2026: it holds a CSI wave and an
employee pulse) feeds assertions that recompute mart values independently from the extract
files with pandas, prove no PII reaches the marts, recover the generator's planted
relationships, and then exercise the quality gate with a bad delivery and its correction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.contract import entities

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("pipeline")]

START = date(2026, 6, 1)
DAYS = 31  # June + 1 July (the day used for the quality-gate scenario)
AGENTS = 30
LAST_GOOD = date(2026, 6, 30)
GATE_DAY = date(2026, 7, 1)
CSQ = str(Path(sys.executable).parent / "csq")


@dataclass(frozen=True)
class Pipeline:
    home: Path
    env: dict[str, str]
    first_run: subprocess.CompletedProcess[str]

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.home / "published" / "marts.duckdb"

    def csq(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CSQ, *args], env=self.env, capture_output=True, text=True, timeout=1500
        )

    def summary(self) -> dict:
        return json.loads((self.home / "reports" / "last_run_summary.json").read_text())


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    home = tmp_path_factory.mktemp("csq_home")
    env = {
        **os.environ,
        "CSQ_HOME": str(home),
        "CSQ_PII_SALT": "e2e-test-salt",
        "CSQ_DBT_TARGET": "ci",
    }
    for var in ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR"):
        env.pop(var, None)
    args = ["--out", str(home / "landing"), "--start", START.isoformat(), "--days", str(DAYS)]
    gen = subprocess.run(
        [CSQ, "generate", *args, "--agents", str(AGENTS), "--seed", "11"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert gen.returncode == 0, gen.stderr[-3000:]
    p = Pipeline(home, env, subprocess.CompletedProcess([], 0))
    first = p.csq("run", "--end", LAST_GOOD.isoformat())
    assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
    return Pipeline(home, env, first)


# ----------------------------------------------------------------------------- helpers
def read_extract(landing: Path, source: str, name: str, until: date = LAST_GOOD) -> pd.DataFrame:
    """All deliveries of one entity up to ``until``, straight from the CSV files."""
    encoding = "gb18030" if source in ("crm", "hr") else "utf-8-sig"
    frames = []
    for folder in sorted((landing / source).iterdir()):
        if date.fromisoformat(folder.name) <= until:
            df = pd.read_csv(folder / f"{name}.csv", dtype=str, encoding=encoding)
            frames.append(df.assign(_delivery=folder.name))
    return pd.concat(frames, ignore_index=True)


def utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.str.replace("Z", "", regex=False))


def mart(p: Pipeline, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(p.published), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------- tests
def test_run_summary_names_every_mart_and_passes_the_gate(pipeline: Pipeline) -> None:
    summary = pipeline.summary()
    assert summary["run"]["success"] == "True"
    assert summary["rows"]["raw"] > 50_000 and summary["rows"]["core"] > 0
    assert summary["rows"]["quarantined"] == 0  # clean sample data
    assert summary["checks"]["evaluated"] > 0 and not summary["checks"]["failed"]
    marts = summary["marts"]
    expected = {
        "kpi_queue_daily",
        "kpi_queue_interval",
        "kpi_agent_daily",
        "kpi_ticket_daily",
        "kpi_customer_experience_monthly",
        "kpi_qa_monthly",
        "kpi_qa_criterion_monthly",
        "kpi_team_stability_monthly",
        "kpi_attrition_cohort",
        "kpi_incentive_effect",
        "kpi_incentive_effect_summary",
        "kpi_csi_wave",
        "kpi_csi_rating_distribution",
    }
    assert {t.split(".", 1)[1] for t in marts} == expected
    empty = [t for t, n in marts.items() if n == 0]
    assert not empty, f"empty marts: {empty}"
    for name in expected:  # printed for the user, and published
        assert name in pipeline.first_run.stdout
        assert summary["published"]["tables"][f"main.{name}"] == marts[f"kpi.{name}"]


def test_backfill_streams_events_and_warms_the_column_lineage_cache(pipeline: Pipeline) -> None:
    """A multi-day run streams dbt events live (no column metadata on thousands of per-day
    materialisations) but leaves the lineage of every model in the cache for daily runs."""
    from orchestration.defs.dbt.assets import LINEAGE_CACHE

    entries = json.loads((pipeline.home / LINEAGE_CACHE).read_text())
    repo = Path(__file__).resolve().parents[1]
    manifest = json.loads((repo / "dbt_project" / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(entries) >= len(models), (len(entries), len(models))


def test_a_backfill_leaves_a_full_catalogue(pipeline: Pipeline) -> None:
    """After the month-long first run: every raw partition carries that day's row count, and
    the latest materialisation of each model its column schema, lineage, row count and SQL
    file, so the auditor's example (kpi_queue_daily.answered back to is_answered) holds."""
    import dagster as dg
    import pyarrow.parquet as pq

    with dg.DagsterInstance.from_config(str(pipeline.home / "dagster")) as instance:
        key = dg.AssetKey(["raw", "telephony", "calls"])
        day = START + timedelta(days=9)
        (record,) = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
        ).records
        count = record.asset_materialization.metadata["dagster/row_count"].value
        path = pipeline.home / "lake/raw/telephony/calls" / f"business_date={day}" / "data.parquet"
        assert count == pq.ParquetFile(path).metadata.num_rows
        (latest,) = instance.fetch_materializations(
            dg.AssetKey(["kpi", "kpi_queue_daily"]), limit=1
        ).records
        meta = latest.asset_materialization.metadata
    assert {"dagster/column_schema", "dagster/column_lineage", "dagster/row_count"} <= set(meta)
    lineage = meta["dagster/column_lineage"].value.deps_by_column["answered"]
    assert any(
        d.asset_key == dg.AssetKey(["core", "fct_call_segments"]) and d.column_name == "is_answered"
        for d in lineage
    )
    assert (
        meta["dagster/row_count"].value
        == mart(pipeline, "select count(*) from kpi_queue_daily").iloc[0, 0]
    )


def test_queue_kpis_match_an_independent_computation(pipeline: Pipeline) -> None:
    calls = read_extract(pipeline.landing, "telephony", "calls")
    queues = read_extract(pipeline.landing, "telephony", "queues").drop_duplicates("queue_id")
    calls = calls.drop_duplicates(["call_id", "segment_no"])
    calls = calls[(calls.direction == "inbound") & calls.queue_id.notna()]
    calls = calls.merge(queues[["queue_id", "sl_threshold_s", "short_abandon_s"]], on="queue_id")
    enq, ans, end = utc(calls.enqueued_at), utc(calls.answered_at), utc(calls.ended_at)
    calls["date"] = (enq + pd.Timedelta(hours=8)).dt.date
    calls["wait"] = ((ans.fillna(end)) - enq).dt.total_seconds()
    t = calls.sl_threshold_s.astype(int)
    answered = ans.notna()
    abandoned = ans.isna() & (calls.disposition == "abandoned")
    calls["answered"] = answered
    calls["abandoned"] = abandoned
    calls["short"] = abandoned & (calls.wait <= calls.short_abandon_s.astype(int))
    calls["ans_t"] = answered & (calls.wait <= t)
    calls["ab_t"] = abandoned & (calls.wait <= t)
    calls["ans_wait"] = calls.wait.where(answered, 0.0)
    g = calls.groupby(["date", "queue_id"]).agg(
        offered=("call_id", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        short_abandoned=("short", "sum"),
        answered_within_t=("ans_t", "sum"),
        abandoned_within_t=("ab_t", "sum"),
        wait_sum=("ans_wait", "sum"),
    )
    got = mart(pipeline, "select * from kpi_queue_daily").set_index(["date", "queue_id"])
    got.index = got.index.set_levels(pd.to_datetime(got.index.levels[0]).date, level=0)
    sample = [g.index[0], g.index[len(g) // 2], g.index[-1], *g.sample(5, random_state=1).index]
    for key in sample:
        exp, row = g.loc[key], got.loc[key]
        for col in ("offered", "answered", "abandoned", "short_abandoned", "answered_within_t"):
            assert row[col] == exp[col], (key, col)
        assert row["abandoned_within_t"] == exp["abandoned_within_t"], key
        assert row["asa_s"] == pytest.approx(exp.wait_sum / exp.answered), key
        v1 = exp.answered_within_t / (exp.answered + exp.abandoned)
        v2 = exp.answered_within_t / (exp.answered + exp.abandoned - exp.short_abandoned)
        v3 = (exp.answered_within_t + exp.abandoned_within_t) / (exp.answered + exp.abandoned)
        v4 = exp.answered_within_t / exp.answered
        assert row["sl_abandons_counted"] == pytest.approx(v1), key
        assert row["sl_short_abandons_excluded"] == pytest.approx(v2), key
        assert row["sl_abandons_within_t_met"] == pytest.approx(v3), key
        assert row["sl_answered_only"] == pytest.approx(v4), key
        ab_rate = (exp.abandoned - exp.short_abandoned) / (exp.offered - exp.short_abandoned)
        assert row["abandon_rate"] == pytest.approx(ab_rate), key
    # the whole month re-sums to the same totals
    assert got.offered.sum() == g.offered.sum()
    assert got.answered_within_t.sum() == g.answered_within_t.sum()


def test_headcount_and_separations_match_the_hr_roster(pipeline: Pipeline) -> None:
    roster = read_extract(pipeline.landing, "hr", "employees")
    roster = roster[roster._delivery == roster._delivery.max()]  # the latest snapshot
    hire = pd.to_datetime(roster.hire_date.str.replace("/", "-"))
    term = pd.to_datetime(roster.termination_date.str.replace("/", "-"))

    def active(day: date) -> int:
        d = pd.Timestamp(day)
        return int(((hire <= d) & (term.isna() | (d <= term))).sum())

    month_start, month_end = date(2026, 6, 1), date(2026, 6, 30)
    separations = int(((term >= "2026-06-01") & (term <= "2026-06-30")).sum())
    voluntary = int(
        (
            (term >= "2026-06-01")
            & (term <= "2026-06-30")
            & (roster.termination_type == "voluntary")
        ).sum()
    )
    got = mart(
        pipeline,
        "select sum(headcount_start) as hs, sum(headcount_end) as he, "
        "sum(separations) as sep, sum(voluntary_separations) as vol "
        "from kpi_team_stability_monthly where month = date '2026-06-01'",
    ).iloc[0]
    assert got.hs == active(month_start)
    assert got.he == active(month_end)
    assert got.sep == separations and got.vol == voluntary
    team = mart(
        pipeline,
        "select * from kpi_team_stability_monthly where month = date '2026-06-01' "
        "and team_id <> '-1' and avg_headcount > 0 order by team_id limit 1",
    ).iloc[0]
    assert team.avg_headcount == pytest.approx((team.headcount_start + team.headcount_end) / 2)
    assert team.turnover_rate == pytest.approx(team.separations / team.avg_headcount)


def test_survey_kpis_resum_from_the_responses(pipeline: Pipeline) -> None:
    resp = read_extract(pipeline.landing, "survey", "post_contact").drop_duplicates("response_id")
    csat = pd.to_numeric(resp.csat)
    nps = pd.to_numeric(resp.nps)
    got = mart(
        pipeline,
        "select sum(csat_n) as csat_n, sum(csat_top2_rate * csat_n) as top2, "
        "sum(nps_n) as nps_n from kpi_customer_experience_monthly",
    ).iloc[0]
    # every response in the extracts is for a June contact (the data starts on 1 June)
    assert got.csat_n == csat.notna().sum()
    assert got.top2 == pytest.approx((csat >= 4).sum())
    assert got.nps_n == nps.notna().sum()
    wave = mart(pipeline, "select * from kpi_csi_wave")
    assert set(wave.wave) == {"2026Q2"}
    csi = read_extract(pipeline.landing, "survey", "csi").drop_duplicates("response_id")
    overall = wave[wave.product_line == "all"]
    assert overall.n.sum() == len(csi)  # one 'all' row per wave ...
    assert wave[wave.product_line != "all"].n.sum() == len(csi)  # ... and its product lines


def test_no_pii_reaches_the_marts(pipeline: Pipeline) -> None:
    pii_values: set[str] = set()
    for e in entities():
        if e.pii_columns:
            df = read_extract(pipeline.landing, e.source, e.name)
            for col in e.pii_columns:
                pii_values |= set(df[col].dropna().astype(str))
    assert len(pii_values) > 1000
    for db in (pipeline.published, pipeline.warehouse):
        con = duckdb.connect(str(db), read_only=True)
        try:
            cols = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where data_type = 'VARCHAR' and table_schema in ('main', 'kpi')"
            ).fetchall()
            assert cols
            for schema, table, column in cols:
                values = {
                    v
                    for (v,) in con.execute(
                        f'select distinct cast("{column}" as varchar) from "{schema}"."{table}"'
                    ).fetchall()
                }
                leaked = values & pii_values
                assert not leaked, f"{schema}.{table}.{column} holds PII: {sorted(leaked)[:3]}"
            names = {c for _, _, c in cols}
            assert not names & {"full_name", "mobile_no", "id_card_no", "ani", "amount_cny"}
        finally:
            con.close()


def test_planted_tenure_effect_is_recovered(pipeline: Pipeline) -> None:
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        df = (
            con.execute(
                """
            select
                case when datediff('day', e.hire_date, r.contact_date) < 120
                     then 'new' else 'tenured' end as tenure,
                avg(case when r.is_csat_top2 then 1.0 else 0.0 end) as top2,
                count(*) as n
            from core.fct_survey_responses as r
            join core.dim_employee as e on r.employee_sk = e.employee_sk
            where r.csat is not null and r.employee_sk <> '-1'
            group by 1
            """
            )
            .df()
            .set_index("tenure")
        )
    finally:
        con.close()
    assert df.n.min() >= 30
    assert df.loc["tenured", "top2"] > df.loc["new", "top2"] + 0.05


# ---------------------------------------------------------------- the quality gate, end to end
def _rewrite_delivery(folder: Path, entity: str, mutate) -> None:
    """Change one file of a delivery and re-issue its manifest (a re-sent delivery)."""
    manifest_path = folder / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    path = folder / f"{entity}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = mutate(df)
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    for f in manifest["files"]:
        if f["entity"] == entity:
            f["rows"] = len(df)
            f["sha256"] = file_sha(path)
    at = pd.Timestamp(manifest["generated_at"]) + timedelta(hours=1)
    manifest["generated_at"] = at.isoformat()
    manifest_path.write_text(json.dumps(manifest, indent=2))


def _kpi_fingerprint(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'kpi'"
            ).fetchall()
        ]
        return {
            t: str(con.execute(f"select count(*), sum(hash(t)) from kpi.{t} as t").fetchone())
            for t in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def reader(pipeline: Pipeline) -> Iterator[Path]:
    """A BI-like process holding the published file open, reading a mart in a loop."""
    log = pipeline.home / "reader.jsonl"
    stop = pipeline.home / "reader.stop"
    code = f"""
import duckdb, json, time, pathlib
stop = pathlib.Path({str(stop)!r}); out = open({str(log)!r}, "a")
con = duckdb.connect({str(pipeline.published)!r}, read_only=True)
while not stop.exists():
    try:
        n, s = con.execute("select count(*), sum(offered) from kpi_queue_daily").fetchone()
        out.write(json.dumps({{"n": n, "offered": int(s)}}) + "\\n")
    except Exception as exc:
        out.write(json.dumps({{"error": repr(exc)}}) + "\\n")
    out.flush(); time.sleep(0.2)
con.close()
"""
    proc = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(1.0)
    yield log
    stop.touch()
    proc.wait(timeout=30)


def test_bad_delivery_is_stopped_at_the_gate(pipeline: Pipeline, reader: Path) -> None:
    before_published = file_sha(pipeline.published)
    before_kpi = _kpi_fingerprint(pipeline.warehouse)
    folder = pipeline.landing / "survey" / GATE_DAY.isoformat()

    def csat_nine(df: pd.DataFrame) -> pd.DataFrame:
        answered = df.csat != ""
        df.loc[answered, "csat"] = "9"
        return df

    _rewrite_delivery(folder, "post_contact", csat_nine)
    bad = pipeline.csq("run", "--start", GATE_DAY.isoformat(), "--end", GATE_DAY.isoformat())
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0, out[-4000:]
    assert "raw.survey.post_contact" in out and "csat" in out  # names the suite and column
    assert GATE_DAY.isoformat() in out
    assert file_sha(pipeline.published) == before_published  # BI still sees the last good data
    assert _kpi_fingerprint(pipeline.warehouse) == before_kpi
    failed = pipeline.summary()["checks"]["failed"]
    assert any(c["asset"] == "raw/survey/post_contact" and c["severity"] == "ERROR" for c in failed)


def test_a_delivery_whose_rows_are_all_unparseable_fails_after_history(pipeline: Pipeline) -> None:
    """After a month of good data: every call of the day fails parsing (timestamps written in
    local time without the contract's ``Z``). Quarantine keeps every row, and the gate blocks:
    the failure names the entity, partition, share, reasons and the file to open."""
    before = file_sha(pipeline.published)
    folder = pipeline.landing / "telephony" / GATE_DAY.isoformat()
    original = {p.name: p.read_bytes() for p in folder.iterdir()}

    def local_time(df: pd.DataFrame) -> pd.DataFrame:
        df["enqueued_at"] = df["enqueued_at"].str.replace("T", " ").str.replace("Z", "")
        return df

    _rewrite_delivery(folder, "calls", local_time)
    n = len(pd.read_csv(folder / "calls.csv", dtype=str))
    day = GATE_DAY.isoformat()
    bad = pipeline.csq("run", "--start", day, "--end", day)
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out[-4000:]
    assert file_sha(pipeline.published) == before
    calls = pipeline.summary()["raw_by_entity"]["telephony.calls"]
    assert (calls["loaded"], calls["quarantined"], calls["quarantined_share"]) == (0, n, 1.0)
    assert calls["top_reasons"] == {"bad_type:enqueued_at": n}
    (failed,) = [
        c for c in pipeline.summary()["checks"]["failed"] if c["asset"] == "raw/telephony/calls"
    ]
    quarantine = (
        pipeline.home / "lake" / "quarantine" / "telephony" / "calls" / f"business_date={day}"
    )
    for text in (
        f"{day}: none of {n:,} delivered rows loaded: bad_type:enqueued_at {n:,}",
        f"{day}: 100.00% of {n:,} delivered rows quarantined",
        f"open {quarantine / 'data.parquet'}",
    ):
        assert text in failed["description"], text
    assert failed["severity"] == "ERROR"
    for name, data in original.items():  # the source re-sends the day as it was
        (folder / name).write_bytes(data)
    manifest = json.loads((folder / "_manifest.json").read_text())
    at = pd.Timestamp(manifest["generated_at"]) + timedelta(hours=2)
    manifest["generated_at"] = at.isoformat()
    (folder / "_manifest.json").write_text(json.dumps(manifest, indent=2))


def test_corrected_resend_passes_and_republishes(pipeline: Pipeline, reader: Path) -> None:
    before = file_sha(pipeline.published)
    folder = pipeline.landing / "survey" / GATE_DAY.isoformat()

    def csat_ok(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[df.csat == "9", "csat"] = "4"
        return df

    _rewrite_delivery(folder, "post_contact", csat_ok)
    good = pipeline.csq("run", "--start", GATE_DAY.isoformat(), "--end", GATE_DAY.isoformat())
    assert good.returncode == 0, (good.stdout + good.stderr)[-6000:]
    assert file_sha(pipeline.published) != before
    # the home keeps dbt's parse state (cache/): a later run never re-parses the whole project,
    # though other homes (the other tests' ones) use the same dbt project meanwhile
    log = Path(re.search(r"run_log\s+(\S+)", good.stdout).group(1)).read_text()
    assert log.count("Running with dbt=") == 2 and "Unable to do partial parsing" not in log
    # the published copy equals the marts in the warehouse
    wh = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        for table in ("kpi_queue_daily", "kpi_team_stability_monthly"):
            expected = wh.execute(f"select * from kpi.{table} order by all").df()
            got = mart(pipeline, f"select * from {table} order by all")
            pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    finally:
        wh.close()
    assert mart(pipeline, "select max(date) from kpi_queue_daily").iloc[0, 0] == pd.Timestamp(
        GATE_DAY
    )
    # the reader held the file open across both runs: never an error, never a partial table
    time.sleep(0.5)
    lines = [json.loads(x) for x in reader.read_text().splitlines()]
    assert lines and not [x for x in lines if "error" in x]
    assert len({(x["n"], x["offered"]) for x in lines}) >= 1


def test_full_refresh_rebuilds_incremental_models_from_the_raw_layer(pipeline: Pipeline) -> None:
    """``csq run --full-refresh`` rebuilds rows an incremental run would never revisit (here
    deleted by hand, weeks before the run's window) and lands on the same marts."""
    before = _kpi_tables(pipeline.warehouse)
    con = duckdb.connect(str(pipeline.warehouse))
    try:
        contacts = con.execute("select count(*) from core.fct_contacts").fetchone()[0]
        con.execute("delete from core.fct_contacts where contact_date = ?", [START])
        con.execute("delete from kpi.kpi_agent_daily where date = ?", [START])
    finally:
        con.close()
    day = GATE_DAY.isoformat()
    run = pipeline.csq("run", "--full-refresh", "--start", day, "--end", day)
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
    wh = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        assert wh.execute("select count(*) from core.fct_contacts").fetchone()[0] == contacts
    finally:
        wh.close()
    after = _kpi_tables(pipeline.warehouse)
    assert after.keys() == before.keys()
    for table, df in before.items():  # float sums may differ in the last bits: not a hash
        pd.testing.assert_frame_equal(after[table], df, obj=table)


def _kpi_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'kpi'"
        ).fetchall()
        return {t: con.execute(f"select * from kpi.{t} order by all").df() for (t,) in names}
    finally:
        con.close()


def test_backfill_plans_each_asset_once_and_materialises_every_day(pipeline: Pipeline) -> None:
    """A multi-day run writes one "planned" event per asset (with the range), not one per asset
    and day (the SQLite event log's per-event cost), and still one materialisation per day."""
    import dagster as dg
    from dagster import DagsterEventType as T

    with dg.DagsterInstance.from_config(str(pipeline.home / "dagster")) as instance:
        first = instance.get_runs()[-1]  # the fixture's run, the oldest
        assert first.tags["dagster/asset_partition_range_end"] == LAST_GOOD.isoformat()

        def events(kind: T) -> list[dg.DagsterEvent]:
            page = instance.get_records_for_run(first.run_id, of_type=kind, limit=100_000)
            return [r.event_log_entry.dagster_event for r in page.records]

        planned = events(T.ASSET_MATERIALIZATION_PLANNED)
        done = events(T.ASSET_MATERIALIZATION)
    days = (LAST_GOOD - START).days + 1
    keys = {e.asset_key for e in planned}
    assert len(planned) == len(keys) > 60
    for e in planned:
        subset = e.event_specific_data.partitions_subset
        assert len(subset.get_partition_keys()) == days, e.asset_key
    covered = {(e.asset_key, e.event_specific_data.materialization.partition) for e in done}
    assert len(covered) == len(keys) * days  # every asset, every day
    raw = [k for k in keys if k.path[0] == "raw"]
    # plus, as each partition's latest: each raw day once more with its own counts, and each
    # dbt model once more on the last day with its schema and lineage
    assert (
        len(keys) * days + len(raw) * days < len(done) <= (len(keys) + len(raw)) * days + len(keys)
    )
