"""The real pipeline on deliveries written by "someone else", against hand-computed KPIs.

``tests/independent/builder.py`` writes three weeks of deliveries from the source contract
alone (``shared/docs/extracts.md``), in a style unlike the project's own generator. This module
runs ``csq run`` on them exactly as a user does and compares the published marts with KPI values
computed by hand from ``shared/docs/domain.md`` (choices the domain brief leaves open are taken
from ``dbt_project/DECISIONLOG.md`` and cited where used). Each planted case is the only data of
its grain, so every expected number below is a small piece of arithmetic, written out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from independent.builder import Scenario, write_independent_deliveries

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("independent")]

REPO = Path(__file__).resolve().parents[1]
CSQ = Path(sys.executable).parent / "csq"
START, DAYS = date(2026, 3, 2), 21  # 2026-03-02 .. 2026-03-22, every day
CLEARED_ENV = ("CSQ_LANDING_DIR", "CSQ_WAREHOUSE", "DAGSTER_HOME", "CSQ_LAKE_DIR")


@dataclass
class Run:
    home: Path
    scenario: Scenario
    returncode: int
    output: str
    seconds: float
    summary: dict[str, Any]

    @property
    def marts(self) -> Path:
        return self.home / "published" / "marts.duckdb"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Write the deliveries into a fresh ``CSQ_HOME`` and run ``csq run`` once over them."""
    home = tmp_path_factory.mktemp("independent")
    scenario = write_independent_deliveries(home / "landing", START, DAYS)
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env |= {"CSQ_HOME": str(home), "CSQ_PII_SALT": "independent-salt", "CSQ_DBT_TARGET": "ci"}
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(CSQ), "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    summary_file = home / "reports" / "last_run_summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    return Run(
        home, scenario, proc.returncode, proc.stdout + proc.stderr, time.monotonic() - t0, summary
    )


@pytest.fixture(scope="module")
def marts(run: Run) -> Iterator[duckdb.DuckDBPyConnection]:
    if not run.marts.exists():
        pytest.fail(f"no published marts (csq run exit {run.returncode}):\n{run.output[-6000:]}")
    con = duckdb.connect(str(run.marts), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> SimpleNamespace:
    """The single row ``sql`` returns, with attribute access by column name."""
    cur = con.execute(sql, list(params))
    rows = cur.fetchall()
    assert len(rows) == 1, f"expected one row, got {len(rows)}: {sql} {params}"
    return SimpleNamespace(**dict(zip([d[0] for d in cur.description], rows[0], strict=True)))


# --------------------------------------------------------------------------- the run itself
def test_pipeline_run_succeeds(run: Run) -> None:
    failed = run.summary.get("checks", {}).get("failed", [])
    detail = "\n".join(f"{c['asset']} :: {c['check']}: {c['description'][:1500]}" for c in failed)
    assert run.returncode == 0, (
        f"csq run failed in {run.seconds:.0f} s\n{detail}\n" + (run.output[-6000:])
    )


def test_nothing_quarantined_or_rejected(run: Run) -> None:
    assert run.summary, "no reports/last_run_summary.json"
    assert run.summary["rejected_deliveries"] == []
    assert run.summary["rows"]["quarantined"] == 0
    kept_out = {name: e for name, e in run.summary["raw_by_entity"].items() if e["quarantined"]}
    assert kept_out == {}
    files = [str(f) for f in (run.home / "lake" / "quarantine").rglob("*.parquet")]
    if files:  # one (possibly empty) file per partition
        con = duckdb.connect()
        rel = f"read_parquet({files}, union_by_name = true)"
        (n,) = con.execute(f"select count(*) from {rel}").fetchone()  # type: ignore[misc]
        sample = con.execute(f"select * from {rel} limit 10").fetchall()
        con.close()
        assert n == 0, f"{n} quarantined rows, e.g. {sample}"


def test_every_delivered_row_reaches_raw(run: Run) -> None:
    # the builder counted the data rows of every file it wrote (= the manifests' rows)
    loaded = {name: e["loaded"] for name, e in run.summary["raw_by_entity"].items()}
    assert loaded == run.scenario.rows


def test_no_delivered_pii_value_is_published(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    tables = marts.execute(
        "select table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema = 'main'"
    ).fetchall()
    leaked = set()
    for table, column in tables:
        values = marts.execute(f'select distinct "{column}" from "{table}"').fetchall()
        leaked |= {(table, column, v) for (v,) in values if v in run.scenario.pii_values}
    assert not leaked


# --------------------------------------------------------------------------- queue day
def test_queue_day_hand_computed(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """VQ-PORT-IN on 2026-03-10 (T = sl_threshold_s = 30 s, short_abandon_s = 8 s).

    Offered legs (wait = answered_at - enqueued_at, or ended_at - enqueued_at if unanswered):
    answered 90, 8, 17, 30, 31, 45 (the 45 s one transferred to Q-GEN);
    abandoned 4, 8, 25, 70; one callback (40 s, not an abandon).
    """
    s = run.scenario
    row = one(
        marts,
        "select * from kpi_queue_daily where queue_id = ? and date = ?",
        s.sl_queue,
        s.sl_date,
    )
    assert row.offered == 11  # 6 answered + 4 abandoned + 1 callback
    assert row.answered == 6
    assert row.abandoned == 4
    assert row.short_abandoned == 2  # waits 4 and 8 (<= 8)
    assert row.callbacks == 1
    assert row.answered_within_t == 3  # 8, 17, 30 (<= 30)
    assert row.abandoned_within_t == 3  # 4, 8, 25
    assert row.answered_wait_s == 221  # 90 + 8 + 17 + 30 + 31 + 45
    assert row.asa_s == pytest.approx(221 / 6)
    # V1 = answered<=T / (answered + abandoned) = 3 / (6 + 4)
    assert row.sl_abandons_counted == pytest.approx(3 / 10)
    # V2 = answered<=T / (answered + abandoned - short) = 3 / (6 + 4 - 2)
    assert row.sl_short_abandons_excluded == pytest.approx(3 / 8)
    # V3 = (answered<=T + abandoned<=T) / (answered + abandoned) = (3 + 3) / 10
    assert row.sl_abandons_within_t_met == pytest.approx(6 / 10)
    # V4 = answered<=T / answered = 3 / 6
    assert row.sl_answered_only == pytest.approx(3 / 6)
    # abandonment = (abandoned - short) / (offered - short) = (4 - 2) / (11 - 2)
    assert row.abandon_rate == pytest.approx(2 / 9)
    assert row.handled == 6
    assert row.transferred == 1
    assert row.transfer_rate == pytest.approx(1 / 6)
    # talk + hold + acw: (200+10+25) + (180+0+30) + (240+20+40) + (300+60+45) + (120+0+20)
    #                    + (420+30+60) = 235 + 210 + 300 + 405 + 140 + 510 = 1800
    assert row.handle_s == 1800
    assert row.aht_s == pytest.approx(1800 / 6)
    (n,) = marts.execute(
        "select count(*) from kpi_queue_daily where queue_id = ?", [s.sl_queue]
    ).fetchone()  # type: ignore[misc]
    assert n == 1  # the queue carries calls on that day only


def test_queue_totals_match_the_deliveries(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    s = run.scenario
    row = one(
        marts,
        "select sum(offered) as offered, sum(answered) as answered, sum(abandoned) as abandoned "
        "from kpi_queue_daily where date between ? and ?",
        s.start,
        s.end,
    )
    assert (row.offered, row.answered, row.abandoned) == (
        s.offered_total,
        s.answered_total,
        s.abandoned_total,
    )


# --------------------------------------------------------------------------- agent day
def test_agent_day_phone_aht(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """E005 on 2026-03-10 handles exactly the 6 answered VQ-PORT-IN legs and nothing else."""
    s = run.scenario
    row = one(
        marts,
        "select * from kpi_agent_daily where employee_id = ? and date = ?",
        s.aht_employee,
        s.sl_date,
    )
    assert row.team_id == s.aht_team
    assert row.calls_handled == 6
    assert row.call_handle_s == 1800  # the same six legs as the queue day above
    assert row.aht_phone_s == pytest.approx(1800 / 6)  # = 300 s
    assert row.calls_transferred == 1
    assert row.transfer_rate == pytest.approx(1 / 6)
    assert (row.chats_handled or 0) == 0
    # CTI states: the six legs (talking/hold/acw = 1800 s), not_ready break 10:30-10:45,
    # lunch 12:00-13:00, break 15:30-15:45 (90 min = 5400 s), ready for the rest of the
    # 08:00-17:00 shift (32400 s): ready = 32400 - 5400 - 1800 = 25200
    assert (row.busy_s, row.ready_s) == (1800, 25200)
    assert row.occupancy == pytest.approx(1800 / (1800 + 25200))  # = 1/15
    # schedule: shift 32400 s with the same breaks and lunch: scheduled = 32400 - 5400 = 27000,
    # all of it in ready/talking/hold/acw -> adherence 27000 / 27000
    assert (row.scheduled_s, row.adherent_s) == (27000, 27000)
    assert row.adherence == pytest.approx(1.0)
    # shrinkage: planned = break + lunch = 5400 of paid 32400, unplanned 0 (never logged out)
    assert (row.paid_s, row.planned_shrinkage_s, row.unplanned_shrinkage_s) == (32400, 5400, 0)
    assert row.shrinkage_planned == pytest.approx(5400 / 32400)
    assert row.shrinkage == pytest.approx(5400 / 32400)


def test_no_contact_on_the_unknown_employee(marts: duckdb.DuckDBPyConnection) -> None:
    row = one(
        marts,
        "select coalesce(sum(calls_handled), 0) as calls, coalesce(sum(chats_handled), 0) as chats"
        " from kpi_agent_daily where employee_id = '-1' or team_id = '-1'",
    )
    assert (row.calls, row.chats) == (0, 0)


def test_recycled_login_maps_to_each_holder(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """A027 belongs to E027 until her last day (03-06), then to E044 (hired 03-09)."""
    s = run.scenario
    expected = s.handled_by_employee_with_login[s.recycled_login]
    rows = marts.execute(
        "select employee_id, sum(calls_handled), min(date), max(date) from kpi_agent_daily "
        "where employee_id in (?, ?) and calls_handled > 0 group by 1 order by 1",
        [s.login_first_holder, s.login_second_holder],
    ).fetchall()
    got = {r[0]: r[1] for r in rows}
    assert got == expected
    spans = {r[0]: (r[2], r[3]) for r in rows}
    assert spans[s.login_first_holder][1] <= date(2026, 3, 6)
    assert spans[s.login_second_holder][0] >= date(2026, 3, 9)


def test_mover_contacts_follow_the_team_valid_at_the_contact(
    marts: duckdb.DuckDBPyConnection, run: Run
) -> None:
    s = run.scenario
    rows = marts.execute(
        "select date, team_id from kpi_agent_daily where employee_id = ? and calls_handled > 0",
        [s.mover],
    ).fetchall()
    assert rows
    for d, team in rows:
        assert team == (s.mover_to_team if d >= s.transfer_date else s.csat_team), d


# --------------------------------------------------------------------------- CSAT team-month
def test_csat_team_month_by_channel(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """TM-VIP's March responses are exactly the planted ones (domain: CSAT is attributed to
    the contact's date and agent, not the response date).

    phone: E032's calls of 03-05, 03-06, 03-09 (answered 03-13, 03-14, 03-14, after E032 moved
    to TM-PORT on 03-12) csat 5, 4, 2; E033's calls of 03-18 (csat blank) and 03-20 csat 4;
    chat: E033's chat of 03-08 csat 3; email: E034's ticket of 03-15 csat 5.
    E032's call of 03-16 (csat 1) is after the move: TM-PORT's, not TM-VIP's.
    """
    s = run.scenario
    sql = (
        "select * from kpi_customer_experience_monthly where month = ? and team_id = ? "
        "and channel = ?"
    )
    phone = one(marts, sql, s.month, s.csat_team, "phone")
    assert phone.responses == 5
    assert phone.csat_n == 4  # the 03-18 response left csat blank
    assert phone.csat_top2 == 3  # 5, 4, 4 (the 2 is not top-2)
    assert phone.csat_top2_rate == pytest.approx(3 / 4)
    # nps 10, 9, 3, 8, 7: promoters 2 (10, 9), detractors 1 (3), passives 2 (8, 7)
    assert phone.nps_n == 5
    assert (phone.promoters, phone.detractors) == (2, 1)
    assert phone.nps == pytest.approx(100 * (2 - 1) / 5)  # = 20
    chat = one(marts, sql, s.month, s.csat_team, "chat")
    assert (chat.csat_n, chat.csat_top2) == (1, 0)  # csat 3
    assert chat.csat_top2_rate == pytest.approx(0 / 1)
    email = one(marts, sql, s.month, s.csat_team, "email")
    assert (email.csat_n, email.csat_top2) == (1, 1)  # csat 5
    assert email.csat_top2_rate == pytest.approx(1 / 1)
    (total,) = marts.execute(
        "select sum(csat_n) from kpi_customer_experience_monthly where team_id = ?",
        [s.csat_team],
    ).fetchone()  # type: ignore[misc]
    assert total == 6  # no other TM-VIP response anywhere (4 + 1 + 1)


# --------------------------------------------------------------------------- team stability
def test_csat_and_stability_of_the_team_that_lost_a_mover(
    marts: duckdb.DuckDBPyConnection, run: Run
) -> None:
    """TM-VIP, March: E032, E033, E034 on the 1st; E032 transfers to TM-PORT on 03-12."""
    s = run.scenario
    row = one(
        marts,
        "select * from kpi_team_stability_monthly where month = ? and team_id = ?",
        s.month,
        s.csat_team,
    )
    # CSAT across channels: top-2 = 3 (phone) + 0 (chat) + 1 (email) of n = 4 + 1 + 1
    assert row.csat_n == 6
    assert row.csat_top2_rate == pytest.approx(4 / 6)
    assert row.headcount_start == 3
    # March is the running month: its end is the latest roster date, 2026-03-22 (DECISIONLOG)
    assert row.is_complete_month is False
    assert row.headcount_end == 2  # E033, E034
    assert row.avg_headcount == pytest.approx((3 + 2) / 2)
    assert row.separations == 0  # a move between teams is not a separation
    assert row.turnover_rate == pytest.approx(0 / 2.5)
    assert row.team_churn == 1  # E032 left the team
    assert row.retention_rate == pytest.approx(3 / 3)  # still employed anywhere counts


def test_turnover_team_month(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """TM-PORT, March: E024-E031 active on the 1st (8); E027 leaves 03-06 (voluntary), E030
    03-17 (involuntary); E044 hired 03-09; E032 transfers in 03-12."""
    s = run.scenario
    row = one(
        marts,
        "select * from kpi_team_stability_monthly where month = ? and team_id = ?",
        s.month,
        s.turnover_team,
    )
    assert row.headcount_start == 8
    assert row.headcount_end == 8  # 8 - 2 separations + 1 hire + 1 transfer in (at 03-22)
    assert row.avg_headcount == pytest.approx((8 + 8) / 2)
    assert row.separations == 2
    assert (row.voluntary_separations, row.involuntary_separations) == (1, 1)
    # turnover = separations / average headcount = 2 / 8
    assert row.turnover_rate == pytest.approx(2 / 8)
    assert row.voluntary_turnover_rate == pytest.approx(1 / 8)
    assert row.involuntary_turnover_rate == pytest.approx(1 / 8)
    assert row.hires == 1
    assert row.team_churn == 0  # nobody left TM-PORT for another team
    # retention = active at start still active at end / active at start = (8 - 2) / 8
    assert row.retention_rate == pytest.approx(6 / 8)


# --------------------------------------------------------------------------- hire cohort
def test_november_hire_cohort(marts: duckdb.DuckDBPyConnection, run: Run) -> None:
    """Hired 2025-11 (months before the first delivery, 2026-03-02): E040 (11-03, last day
    12-19: 46 days), E043 (11-10, 02-10: 92 days), E041 (11-24, 02-21: 89 days), E042 (11-28,
    02-26: 90 days), E038 and E039 still employed. Left within N days = termination_date -
    hire_date < N (DECISIONLOG), so 46 and 89 count for 90 days, 90 and 92 do not."""
    s = run.scenario
    row = one(marts, "select * from kpi_attrition_cohort where hire_month = ?", s.cohort_month)
    assert row.hires == 6
    assert row.left_30d == 0  # none under 30 days
    assert row.left_90d == 2  # 46, 89
    assert row.left_180d == 4  # 46, 89, 90, 92 (so far)
    # mature for 90 days: 2025-11-30 + 90 days = 2026-02-28 <= latest roster date 2026-03-22
    assert row.mature_90d is True
    assert row.attrition_90d == pytest.approx(2 / 6)
    assert row.mature_30d is True
    assert row.attrition_30d == pytest.approx(0 / 6)
    # 2025-11-30 + 180 days = 2026-05-29 > 2026-03-22: not mature, no rate yet
    assert row.mature_180d is False
    assert row.attrition_180d is None
    assert row.as_of_date == s.end
