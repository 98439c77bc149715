"""dbt service-quality models (crm, telephony, survey): contract alignment, the dbt unit tests,
and a ``dbt build`` on a small generated and loaded raw lake whose KPI marts are checked
against an independent pandas computation from the raw Parquet files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from orchestration.contract import (
    CSI_CONSTRUCTS,
    LINEAGE_COLUMNS,
    RATING_DIMENSIONS,
    RATING_LABELS,
    SOURCES,
    entities,
)
from orchestration.lib.pseudonymise import pseudonymise
from orchestration.settings import Settings, load_settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
SERVICE_SOURCES = ("crm", "telephony", "survey")
HR_OWNED = {("survey", "employee_pulse")}
"""Staged by the HR group (stg_survey__employee_pulse lives in staging/hr)."""
SALT = "test-salt"
START, DAYS, AGENTS, SEED = date(2026, 3, 2), 10, 20, 7
SERVICE_MARTS = (
    "kpi_queue_daily",
    "kpi_queue_interval",
    "kpi_agent_daily",
    "kpi_ticket_daily",
    "kpi_customer_experience_monthly",
    "kpi_qa_monthly",
    "kpi_qa_criterion_monthly",
    "kpi_csi_wave",
    "kpi_csi_rating_distribution",
)
"""Built with all their parents (``+model``): the HR group's marts are not needed here."""
SERVICE_UNIT_TESTS = {
    "kpi_queue_daily_service_level_variants",
    "kpi_queue_interval_half_hours",
    "kpi_agent_daily_occupancy_adherence_shrinkage",
    "kpi_agent_daily_overlapping_schedule_windows",
    "kpi_ticket_daily_medians_and_p90",
    "kpi_customer_experience_monthly_survey_fcr_complaints",
    "kpi_qa_monthly_scores_and_bands",
    "kpi_qa_criterion_monthly_share_of_max",
    "kpi_csi_wave_index",
    "kpi_csi_rating_distribution_shares",
    "fct_call_segments_queue_flags",
    "fct_tickets_business_minutes",
    "fct_qa_evaluation_items_applicability",
    "fct_qa_evaluations_score_critical_and_band",
    "fct_csi_responses_construct_scores",
    "fct_contacts_repeat_within_7_days",
    "fct_contacts_incremental_scope",
    "fct_survey_responses_attribution",
    "dim_customer_type2_versions",
}


# ----------------------------------------------------------------------------- static checks


def _source_tables() -> dict[tuple[str, str], dict]:
    tables = {}
    for source in SERVICE_SOURCES:
        doc = yaml.safe_load(
            (DBT_DIR / f"models/staging/{source}/_{source}__sources.yml").read_text()
        )
        (src,) = doc["sources"]
        assert src["name"] == source
        for table in src["tables"]:
            tables[(source, table["name"])] = table
    return tables


def test_sources_follow_the_contract() -> None:
    tables = _source_tables()
    expected = {(e.source, e.name) for s in SERVICE_SOURCES for e in entities(s)}
    assert set(tables) == expected
    lineage = [c.name for c in LINEAGE_COLUMNS]
    for (source, name), table in tables.items():
        ent = next(e for e in entities(source) if e.name == name)
        assert [c["name"] for c in table["columns"]] == ent.column_names + lineage, name
        assert all(c.get("description") for c in table["columns"]), name
        assert table["meta"]["dagster"]["asset_key"] == ["raw", source, name]
        location = table["config"]["external_location"]
        assert f"/raw/{source}/{name}/*/data.parquet" in location
        assert 'env_var("CSQ_LAKE_DIR")' in location


def test_jinja_mirrors_of_the_contract_agree() -> None:
    text = (DBT_DIR / "macros/service_csi.sql").read_text()
    constructs = dict(re.findall(r"'(\w+)': \[([^\]]*)\]", text))
    parsed = {k: tuple(re.findall(r"'(\w+)'", v)) for k, v in constructs.items()}
    assert parsed == CSI_CONSTRUCTS
    assert tuple(re.findall(r"'(rating_\w+)'", text)) == RATING_DIMENSIONS
    labels = re.search(r"service_rating_labels\(\).*?\[(.*?)\]", text, re.S)
    assert labels is not None
    assert tuple(re.findall(r"'([^']+)'", labels.group(1))) == RATING_LABELS


# -------------------------------------------------------------------------- build fixture


@dataclass(frozen=True)
class Built:
    settings: Settings
    target: Path
    profiles: Path
    env: dict[str, str]

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql).df()

    def raw(self, source: str, entity: str) -> pd.DataFrame:
        files = sorted((self.settings.raw_dir / source / entity).glob("*/data.parquet"))
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _profiles_dir(tmp: Path) -> Path:
    """The project's profiles.yml. dbt-duckdb runs models on cursors (each a new DuckDB
    connection, which does not see temp macros of the parent), so the csq plugin must create
    ``csq_pseudonymise`` per cursor; if the shared plugin does not (yet), use a copy of the
    profile with a subclass that does, so this test checks the models, not the plugin."""
    from orchestration.lib.dbt_duckdb_plugin import Plugin

    if "configure_cursor" in Plugin.__dict__:
        return DBT_DIR
    shim = tmp / "profiles"
    shim.mkdir()
    (shim / "csq_cursor_plugin.py").write_text(
        "from orchestration.lib.dbt_duckdb_plugin import Plugin as _Base\n\n\n"
        "class Plugin(_Base):\n"
        "    def configure_cursor(self, cursor):\n"
        "        cursor.execute(self._macro_sql)\n"
        "        return cursor\n"
    )
    text = (DBT_DIR / "profiles.yml").read_text()
    (shim / "profiles.yml").write_text(
        text.replace("module: orchestration.lib.dbt_duckdb_plugin", "module: csq_cursor_plugin")
    )
    return shim


def _dbt(built_env: dict[str, str], target: Path, profiles: Path, *args: str) -> None:
    cmd = [str(DBT), *args, "--profiles-dir", str(profiles), "--target", "ci"]
    cmd += ["--target-path", str(target), "--log-path", str(target / "logs")]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=built_env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-60:])
        pytest.fail(f"dbt {' '.join(args)} failed (rc={proc.returncode}):\n{tail}\n{proc.stderr}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from orchestration.defs.ingest.loader import load_deliveries
    from synthetic.generator import generate

    tmp = tmp_path_factory.mktemp("dbt_service")
    settings = load_settings(
        {"CSQ_HOME": str(tmp / "home"), "CSQ_PII_SALT": SALT, "CSQ_DBT_TARGET": "ci"}
    )
    generate(settings.landing_dir, START, DAYS, agents=AGENTS, seed=SEED)
    days = [START + timedelta(days=i) for i in range(DAYS)]
    for source in SOURCES:
        summary = load_deliveries(settings, source, days, load_id="test-load")
        assert not summary.rejected, summary.rejected
    profiles = _profiles_dir(tmp)
    env = {**os.environ, **settings.subprocess_env()}
    env["PYTHONPATH"] = os.pathsep.join([str(profiles), str(REPO), env.get("PYTHONPATH", "")])
    target = tmp / "target"
    selection = [f"+{m}" for m in SERVICE_MARTS]
    _dbt(env, target, profiles, "build", "--indirect-selection", "cautious", "--select", *selection)
    yield Built(settings, target, profiles, env)


# ------------------------------------------------------------------- independent pandas side


def _latest(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Events: one row per key, the latest delivery wins."""
    ordered = df.sort_values(["_business_date", "_manifest_generated_at", "_line_no"])
    return ordered.drop_duplicates(key, keep="last")


def _local(ts: pd.Series) -> pd.Series:
    return ts + pd.Timedelta(hours=8)


def _business_minutes(start: datetime, end: datetime) -> float:
    """Minutes of [start, end) inside 08:00-22:00 on each local day (walked day by day)."""
    total, day = 0.0, start.date()
    while day <= end.date():
        open_, close = (
            datetime.combine(day, datetime.min.time()) + timedelta(hours=h) for h in (8, 22)
        )
        lo, hi = max(start, open_), min(end, close)
        total += max((hi - lo).total_seconds(), 0) / 60
        day += timedelta(days=1)
    return total


def _calls(built: Built) -> pd.DataFrame:
    calls = _latest(built.raw("telephony", "calls"), ["call_id", "segment_no"])
    queues = built.raw("telephony", "queues")
    queues = queues[queues._business_date == queues._business_date.max()]
    calls = calls.merge(
        queues[["queue_id", "sl_threshold_s", "short_abandon_s"]], "left", "queue_id"
    )
    start = calls.enqueued_at.fillna(calls.answered_at).fillna(calls.ended_at)
    calls["date"] = _local(start).dt.date
    calls["wait"] = (
        calls.answered_at.fillna(calls.ended_at) - calls.enqueued_at
    ).dt.total_seconds()
    return calls


def test_service_unit_tests_ran_and_passed(built: Built) -> None:
    results = json.loads((built.target / "run_results.json").read_text())["results"]
    unit = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    missing = SERVICE_UNIT_TESTS - set(unit)
    assert not missing, f"unit tests not run: {missing}"
    assert {n: unit[n] for n in SERVICE_UNIT_TESTS} == dict.fromkeys(SERVICE_UNIT_TESTS, "pass")


def test_pii_is_pseudonymised_and_never_reaches_marts(built: Built) -> None:
    cols = built.query(
        "select table_schema, table_name, column_name from information_schema.columns"
    )
    pii = {c.name for s in SERVICE_SOURCES for e in entities(s) for c in e.columns if c.pii}
    clear = cols[cols.column_name.isin(pii) & cols.table_schema.isin(["staging", "core", "kpi"])]
    assert clear.empty, clear
    marts = cols[(cols.table_schema == "kpi") & cols.column_name.str.endswith("_hmac")]
    assert marts.empty, marts
    raw = built.raw("telephony", "calls").dropna(subset=["ani"]).iloc[0]
    staged = built.query(
        f"select ani_hmac from staging.stg_telephony__calls "
        f"where call_id = '{raw.call_id}' and segment_no = {raw.segment_no}"
    )
    assert staged.ani_hmac.tolist() == [pseudonymise(raw.ani, SALT)]


def test_kpi_queue_daily_matches_pandas(built: Built) -> None:
    c = _calls(built)
    c = c[(c.direction == "inbound") & c.queue_id.notna() & c.enqueued_at.notna()].copy()
    c["answered"] = c.answered_at.notna()
    c["abandoned"] = ~c.answered & (c.disposition == "abandoned")
    c["short"] = c.abandoned & (c.wait <= c.short_abandon_s)
    c["ans_t"] = c.answered & (c.wait <= c.sl_threshold_s)
    c["handled"] = c.answered & c.agent_login.notna()
    c["handle"] = np.where(c.handled, c[["talk_s", "hold_s", "acw_s"]].fillna(0).sum(axis=1), 0)
    c["ans_wait"] = np.where(c.answered, c.wait, 0)
    g = c.groupby(["date", "queue_id"]).agg(
        offered=("call_id", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        short=("short", "sum"),
        ans_t=("ans_t", "sum"),
        ans_wait=("ans_wait", "sum"),
        handled=("handled", "sum"),
        handle=("handle", "sum"),
    )
    expected = pd.DataFrame(
        {
            "offered": g.offered,
            "answered": g.answered,
            "abandoned": g.abandoned,
            "short_abandoned": g.short,
            "asa_s": g.ans_wait / g.answered,
            "sl_abandons_counted": g.ans_t / (g.answered + g.abandoned),
            "sl_answered_only": g.ans_t / g.answered,
            "abandon_rate": (g.abandoned - g.short) / (g.offered - g.short),
            "aht_s": g.handle / g.handled,
        }
    )
    got = built.query("select * from kpi.kpi_queue_daily").set_index(["date", "queue_id"])
    got.index = got.index.set_levels(pd.to_datetime(got.index.levels[0]).date, level=0)
    assert len(expected) > 20 and expected.offered.sum() > 1000
    assert set(got.index) == set(expected.index)
    got = got.loc[expected.index, list(expected.columns)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_names=False)


def test_kpi_ticket_daily_matches_pandas(built: Built) -> None:
    t = built.raw("crm", "tickets").sort_values(["updated_at", "_business_date"])
    t = t.drop_duplicates("ticket_id", keep="last")
    created, reply = _local(t.created_at), _local(t.first_reply_at)
    t["date"] = created.dt.date
    t["fr"] = (t.first_reply_at - t.created_at).dt.total_seconds() / 60
    t["fr_bus"] = [
        _business_minutes(a, b) if pd.notna(b) else np.nan
        for a, b in zip(created, reply, strict=True)
    ]
    g = t.groupby(["date", "channel", "category"])
    expected = pd.DataFrame(
        {
            "created": g.size(),
            "first_reply_median_min": g.fr.median(),
            "first_reply_p90_min": g.fr.quantile(0.9),
            "first_reply_business_median_min": g.fr_bus.median(),
            "complaints": g.is_complaint.sum(),
        }
    )
    got = built.query("select * from kpi.kpi_ticket_daily").set_index(
        ["date", "channel", "category"]
    )
    got.index = got.index.set_levels(pd.to_datetime(got.index.levels[0]).date, level=0)
    assert expected.created.sum() > 500 and expected.first_reply_business_median_min.notna().any()
    assert set(got.index) == set(expected.index)
    got = got.loc[expected.index, list(expected.columns)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_names=False)


def test_csat_and_nps_attributed_to_contact_month_match_pandas(built: Built) -> None:
    calls = _calls(built)
    calls = calls[calls.answered_at.notna() & calls.agent_login.notna()]
    call_day = calls.sort_values("segment_no").drop_duplicates("call_id", keep="last")
    chats = _latest(built.raw("crm", "chat_sessions"), ["chat_id"])
    chats = chats[chats.outcome == "handled"]
    tickets = built.raw("crm", "tickets").sort_values(["updated_at", "_business_date"])
    tickets = tickets.drop_duplicates("ticket_id", keep="last")
    day = {
        **{("call", k): v for k, v in zip(call_day.call_id, call_day.date, strict=True)},
        **{
            ("chat", k): v
            for k, v in zip(chats.chat_id, _local(chats.requested_at).dt.date, strict=True)
        },
        **{
            ("ticket", k): v
            for k, v in zip(tickets.ticket_id, _local(tickets.created_at).dt.date, strict=True)
        },
    }
    s = _latest(built.raw("survey", "post_contact"), ["response_id"])
    sent = _local(s.sent_at).dt.date
    s["day"] = [
        day.get((t, i), d) for t, i, d in zip(s.contact_type, s.contact_id, sent, strict=True)
    ]
    s["month"] = pd.to_datetime(s.day).dt.to_period("M").dt.start_time.dt.date
    g = s.groupby("month")
    expected = pd.DataFrame(
        {
            "csat_n": g.csat.count(),
            "csat_top2": g.csat.apply(lambda x: (x >= 4).sum()),
            "nps_n": g.nps.count(),
            "promoters": g.nps.apply(lambda x: (x >= 9).sum()),
            "detractors": g.nps.apply(lambda x: (x <= 6).sum()),
        }
    )
    got = built.query(
        "select month, sum(csat_n) csat_n, sum(csat_top2) csat_top2, sum(nps_n) nps_n, "
        "sum(promoters) promoters, sum(detractors) detractors "
        "from kpi.kpi_customer_experience_monthly group by month having sum(responses) > 0"
    ).set_index("month")
    got.index = pd.to_datetime(got.index).date
    assert expected.csat_n.sum() > 100
    pd.testing.assert_frame_equal(
        got.loc[expected.index], expected, check_dtype=False, check_names=False
    )


def test_qa_scores_match_pandas(built: Built) -> None:
    ev = _latest(built.raw("survey", "qa_evaluations"), ["evaluation_id", "criterion_code"])
    forms = built.raw("survey", "qa_forms")
    forms = forms[forms._business_date == forms._business_date.max()]
    ev = ev.merge(forms, "left", ["form_version", "criterion_code"], suffixes=("", "_form"))
    applicable = ~ev.is_na.fillna(False).astype(bool) & ev.score.notna()
    ev["w"] = np.where(applicable, ev.weight, 0.0)
    ev["pts"] = np.where(applicable, ev.weight * ev.score / ev.max_score, 0.0)
    per = ev.groupby("evaluation_id").agg(
        w=("w", "sum"),
        pts=("pts", "sum"),
        crit=("critical_failed", "max"),
        at=("evaluated_at", "max"),
    )
    per["score"] = np.where(per.crit.fillna(False).astype(bool), 0.0, 100 * per.pts / per.w)
    per["month"] = _local(per["at"]).dt.to_period("M").dt.start_time.dt.date
    expected = per.groupby("month").agg(evaluations=("score", "size"), mean=("score", "mean"))
    got = built.query(
        "select month, sum(evaluations) evaluations, "
        "sum(qa_score_sum) / sum(scored_evaluations) mean from kpi.kpi_qa_monthly group by month"
    ).set_index("month")
    got.index = pd.to_datetime(got.index).date
    assert expected.evaluations.sum() > 10
    pd.testing.assert_frame_equal(
        got.loc[expected.index], expected, check_dtype=False, check_names=False
    )


def test_csi_satisfaction_index_matches_pandas(built: Built) -> None:
    csi = _latest(built.raw("survey", "csi"), ["response_id"])
    s = csi[list(CSI_CONSTRUCTS["sat"])].mean(axis=1, skipna=True)
    expected = (100 * (s.groupby(csi.wave).mean() - 1) / 9).sort_index()
    got = (
        built.query("select wave, satisfaction from kpi.kpi_csi_wave where product_line = 'all'")
        .set_index("wave")
        .satisfaction.sort_index()
    )
    assert len(expected) >= 1
    pd.testing.assert_series_equal(got, expected, check_names=False)


def test_agent_state_time_is_not_duplicated_by_lookups(built: Built) -> None:
    st = _latest(built.raw("telephony", "agent_states"), ["agent_login", "started_at"])
    st["date"] = _local(st.started_at).dt.date
    st["dur"] = (st.ended_at - st.started_at).dt.total_seconds()
    busy = st[st.state.isin(["talking", "hold", "acw"])].groupby("date").dur.sum()
    orphans = built.query("select count(*) n from core.fct_agent_states where is_login_orphan").n[0]
    got = built.query("select date, sum(busy_s) busy from kpi.kpi_agent_daily group by date")
    got = got.set_index(pd.to_datetime(got.date).dt.date).busy
    assert orphans == 0
    pd.testing.assert_series_equal(got.loc[busy.index], busy, check_dtype=False, check_names=False)


def test_paid_time_follows_the_shifts_and_full_shrinkage_has_a_reason(built: Built) -> None:
    """paid_s is the day's shift time (it was 32,400 on every row while every generated shift
    lasted 9 h), and a shrinkage of 100 % is a day of leave, a full-day (onboarding) training
    or an absence (scheduled, never logged in), never an artefact."""
    sched = _latest(
        built.raw("hr", "schedules"), ["employee_id", "shift_date", "activity", "starts_at"]
    )
    sched["s"] = (sched.ends_at - sched.starts_at).dt.total_seconds()
    shifts = sched[sched.activity == "shift"].groupby(["employee_id", "shift_date"]).s.sum()
    got = built.query("select employee_id, date, paid_s, shrinkage from kpi.kpi_agent_daily")
    got["date"] = pd.to_datetime(got.date).dt.date
    got = got.set_index(["employee_id", "date"])
    paid = got.paid_s[got.paid_s > 0]
    assert paid.nunique() >= 2
    expected = shifts.loc[paid.index]
    pd.testing.assert_series_equal(paid, expected, check_dtype=False, check_names=False)
    full = got[got.shrinkage == 1.0].index
    assert len(full)
    whole = sched.merge(sched[sched.activity == "shift"], on=["employee_id", "shift_date"])
    covers = whole[(whole.activity_x != "shift") & (whole.s_x == whole.s_y)]
    whole_day_plan = set(zip(covers.employee_id, covers.shift_date, strict=True))
    states = _latest(built.raw("telephony", "agent_states"), ["agent_login", "started_at"])
    logins = built.query(
        "select agent_login, employee_id, valid_from, valid_to from "
        "intermediate.int_agent_login_map"
    )
    logged = states.merge(logins, on="agent_login")
    logged["date"] = _local(logged.started_at).dt.date
    logged = logged[(logged.date >= logged.valid_from) & (logged.date < logged.valid_to)]
    logged = logged[logged.state != "logged_out"]
    logged_in = set(zip(logged.employee_id, logged.date, strict=True))
    for key in full:
        assert key in whole_day_plan or key not in logged_in, key


SCHEMA_OF_PREFIX = {"stg": "staging", "fct": "core", "kpi": "kpi"}


def test_incremental_run_changes_nothing(built: Built) -> None:
    keys = {
        "fct_call_segments": ["call_id", "segment_no"],
        "fct_chats": ["chat_id"],
        "fct_tickets": ["ticket_id"],
        "fct_agent_states": ["agent_login", "started_at"],
        "fct_contacts": ["contact_sk"],
        "kpi_agent_daily": ["date", "employee_id"],
        "stg_telephony__calls": ["call_id", "segment_no"],
        "stg_telephony__agent_states": ["agent_login", "started_at"],
        "stg_crm__chat_sessions": ["chat_id"],
        "stg_survey__post_contact": ["response_id"],
    }

    def snapshot() -> dict[str, pd.DataFrame]:
        return {
            f: built.query(f"select * from {SCHEMA_OF_PREFIX[f.split('_')[0]]}.{f}")
            .sort_values(k)
            .reset_index(drop=True)
            for f, k in keys.items()
        }

    before = snapshot()
    _dbt(
        built.env,
        built.target,
        built.profiles,
        "run",
        "--select",
        *keys,
        "--vars",
        json.dumps(
            {"min_date": (START + timedelta(days=DAYS - 2)).isoformat(), "lookback_days": 1}
        ),
    )
    after = snapshot()
    for f in keys:
        assert len(before[f]) > 0, f
        pd.testing.assert_frame_equal(after[f], before[f], obj=f)


def test_kpi_grain_columns_are_not_null_constraints_the_warehouse_enforces(built: Built) -> None:
    """Every kpi mart's grain (its unique or unique-combination key) is declared NOT NULL in
    the mart's enforced contract, so DuckDB refuses a null key while dbt builds the table (the
    build fails and the published file keeps the last good marts) instead of a separate test
    reading the table afterwards."""
    manifest = json.loads((built.target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    grains: dict[str, set[str]] = {}
    for test in nodes.values():
        parent = nodes.get(test.get("attached_node") or "", {})
        kind = test.get("test_metadata", {}).get("name")
        if parent.get("config", {}).get("schema") == "kpi" and kind in (
            "unique",
            "unique_combination",
        ):
            kwargs = test["test_metadata"]["kwargs"]
            grains.setdefault(parent["name"], set()).update(
                kwargs.get("columns") or [kwargs["column_name"]]
            )
    assert len(grains) == 13, sorted(grains)
    for name, columns in grains.items():
        model = nodes[f"model.csq_warehouse.{name}"]
        assert model["config"]["contract"]["enforced"], name
        constrained = {
            c
            for c, col in model["columns"].items()
            if any(k["type"] == "not_null" for k in col.get("constraints", []))
        }
        assert columns <= constrained, (name, columns - constrained)
    con = duckdb.connect(str(built.settings.warehouse))
    try:
        con.execute("begin")
        with pytest.raises(duckdb.ConstraintException, match=r"kpi_queue_daily\.queue_id"):
            con.execute(
                "insert into kpi.kpi_queue_daily (date, queue_id) values (current_date, null)"
            )
        con.execute("rollback")
    finally:
        con.close()


def test_kpi_rate_ranges_and_enums_are_check_constraints_the_warehouse_enforces(
    built: Built,
) -> None:
    """A kpi mart's error-severity range (``value_between``) and enum (``accepted_values``)
    rules are CHECK constraints of its enforced contract, not dbt tests: DuckDB refuses the
    row while dbt builds the table, so the build fails and the last good marts stay published.
    Warnings (plausibility ranges) stay tests: a constraint cannot warn."""
    nodes = json.loads((built.target / "manifest.json").read_text())["nodes"]
    kpi = {n["unique_id"] for n in nodes.values() if n.get("config", {}).get("schema") == "kpi"}
    error_tests = [
        t["name"]
        for t in nodes.values()
        if t.get("attached_node") in kpi
        and t.get("test_metadata", {}).get("name") in ("value_between", "accepted_values")
        and t["config"]["severity"].lower() == "error"
    ]
    assert error_tests == []
    checks = {
        (nodes[uid]["name"], column): k["expression"]
        for uid in kpi
        for column, col in nodes[uid]["columns"].items()
        for k in col.get("constraints", [])
        if k["type"] == "check"
    }
    assert len(checks) == 40
    assert checks[("kpi_queue_daily", "abandon_rate")] == "abandon_rate between 0 and 1"
    assert checks[("kpi_customer_experience_monthly", "nps")] == "nps between -100 and 100"
    con = duckdb.connect(str(built.settings.warehouse))
    try:
        con.execute("begin")
        con.execute(
            "insert into kpi.kpi_queue_daily (date, queue_id, abandon_rate)"
            " values (current_date, 'q-in-range', 1.0)"
        )
        con.execute("rollback")
        for sql in (
            "insert into kpi.kpi_queue_daily (date, queue_id, abandon_rate)"
            " values (current_date, 'q', 1.5)",
            "insert into kpi.kpi_customer_experience_monthly (month, team_id, channel)"
            " values (current_date, 't', 'fax')",
        ):
            con.execute("begin")
            with pytest.raises(duckdb.ConstraintException, match="CHECK constraint failed"):
                con.execute(sql)
            con.execute("rollback")
    finally:
        con.close()
