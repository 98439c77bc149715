"""dbt HR / retention models: contract alignment, the calendar seed, the dbt unit tests, and a
``dbt build`` on a hand-built raw lake (a seeded workforce of ~160 people over 3 years with
transfers, promotions, rehires, recycled logins) whose marts are checked against an
independent pandas / Python computation from the same workforce."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from orchestration.contract import ENTITIES, LINEAGE_COLUMNS, entities, entity
from orchestration.lib.pseudonymise import pseudonymise
from orchestration.lib.raw_schema import partition_dir, raw_schema, write_empty_lake
from orchestration.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
SALT = "test-salt"
FIRST, AS_OF = date(2025, 1, 1), date(2026, 3, 15)
TEAMS = ("T01", "T02", "T03", "T04", "T05")
HR_UNIT_TESTS = {
    "team_stability_headcount_turnover_retention_tenure",
    "team_stability_quality_and_enps",
    "attrition_cohort_30_90_180",
    "incentive_effect_summary_resums",
    "incentive_effect_rates",
    "headcount_active_start_end_separation_tenure",
    "incentive_panel_not_yet_treated",
    "employment_spells_rehire_and_roster_only",
    "agent_login_map_recycled_logins",
}
BANDS = (
    ("<30d", 0, 29, "tenure_lt_30d"),
    ("30-90d", 30, 89, "tenure_30_90d"),
    ("3-6m", 90, 182, "tenure_3_6m"),
    ("6-12m", 183, 364, "tenure_6_12m"),
    ("1-2y", 365, 729, "tenure_1_2y"),
    ("2y+", 730, 10**6, "tenure_2y_plus"),
)


# ----------------------------------------------------------------------------- static checks


def test_hr_sources_follow_the_contract() -> None:
    doc = yaml.safe_load((DBT_DIR / "models/staging/hr/_hr__sources.yml").read_text())
    (src,) = doc["sources"]
    assert src["name"] == "hr"
    tables = {t["name"]: t for t in src["tables"]}
    assert set(tables) == {e.name for e in entities("hr")}
    lineage = [c.name for c in LINEAGE_COLUMNS]
    for ent in entities("hr"):
        table = tables[ent.name]
        assert [c["name"] for c in table["columns"]] == ent.column_names + lineage, ent.name
        assert all(c.get("description") for c in table["columns"]), ent.name
        assert table["meta"]["dagster"]["asset_key"] == ["raw", "hr", ent.name]
        location = table["config"]["external_location"]
        assert f"/raw/hr/{ent.name}/*/data.parquet" in location
        assert 'env_var("CSQ_LAKE_DIR")' in location


def test_calendar_seed_is_current_with_chinesecalendar() -> None:
    sys.path.insert(0, str(DBT_DIR / "scripts"))
    try:
        from build_cn_calendar import HEADER, SEED, calendar_rows
    finally:
        sys.path.remove(str(DBT_DIR / "scripts"))
    with SEED.open(encoding="utf-8") as f:
        seed = list(csv.reader(f))
    assert tuple(seed[0]) == HEADER
    first, last = date.fromisoformat(seed[1][0]), date.fromisoformat(seed[-1][0])
    expected = [[d, str(h).lower(), n, str(a).lower()] for d, h, n, a in calendar_rows(first, last)]
    assert seed[1:] == expected
    by_day = {r[0]: r for r in seed[1:]}
    assert by_day["2026-02-17"][1:3] == ["true", "Spring Festival"]  # 春节 2026
    assert by_day["2026-02-14"][3] == "true"  # Saturday made a working day (调休)
    assert by_day["2025-10-01"][1:3] == ["true", "National Day"]


# ------------------------------------------------------------------------ the hand-built lake


@dataclass
class Spell:
    hire: date
    term: date | None
    term_type: str | None
    rows: list[tuple[date, str, str, str, str]] = field(default_factory=list)
    """(effective_from, action, team_id, job_level, incentive_role), sorted."""


@dataclass
class Person:
    employee_id: str
    login: str
    spells: list[Spell]

    def team_on(self, d: date) -> str:
        rows = [r for s in self.spells for r in s.rows if r[0] <= d]
        return rows[-1][2]


def _d(rng: np.random.Generator, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def _spell(rng: np.random.Generator, hire: date, action: str, must_end: bool) -> Spell:
    team, level, role = str(rng.choice(TEAMS)), "L1", "none"
    term = None
    if must_end or rng.random() < 0.45:
        term = hire + timedelta(days=int(rng.integers(3, 420)))
        if term > AS_OF:
            term = None
    kind = str(rng.choice(["voluntary", "involuntary", "other"], p=[0.6, 0.3, 0.1]))
    spell = Spell(hire, term, kind if term else None, [(hire, action, team, level, role)])
    end = term or AS_OF
    changes = []
    for act in ("transfer", "promotion", "role_change"):
        if rng.random() < 0.35 and (end - hire).days > 20:
            changes.append((_d(rng, hire + timedelta(days=10), end), act))
    for d, act in sorted(changes):
        if d <= spell.rows[-1][0]:
            continue
        if act == "transfer":
            team = str(rng.choice([t for t in TEAMS if t != team]))
        elif act == "promotion":
            level = "L2" if level == "L1" else "L3"
        else:
            role = "mentor"
        spell.rows.append((d, act, team, level, role))
    if term and term + timedelta(days=1) <= AS_OF:
        spell.rows.append((term + timedelta(days=1), "termination", team, level, role))
    return spell


def make_workforce(seed: int = 3, n: int = 160) -> list[Person]:
    """A seeded workforce: hires 2023..2026, ~45 % leave, some transfer / promotion / role
    change, every 20th is rehired after leaving; person 999 recycles person 0's login."""
    rng = np.random.default_rng(seed)
    people = []
    for i in range(n):
        hire = _d(rng, date(2023, 1, 1), date(2026, 3, 10))
        rehired = i % 20 == 0 and hire < date(2025, 3, 1)
        spells = [_spell(rng, hire, "hire", must_end=rehired)]
        if rehired and spells[0].term is not None:
            back = spells[0].term + timedelta(days=int(rng.integers(40, 120)))
            if back <= AS_OF:
                spells.append(_spell(rng, back, "rehire", must_end=False))
        people.append(Person(f"{100000 + i:06d}", f"{1000 + i:04d}", spells))
    people[0] = Person(
        "100000",
        "1000",
        [
            Spell(
                date(2024, 5, 6),
                date(2025, 2, 28),
                "voluntary",
                [
                    (date(2024, 5, 6), "hire", "T01", "L1", "none"),
                    (date(2025, 3, 1), "termination", "T01", "L1", "none"),
                ],
            )
        ],
    )
    people.append(
        Person(
            "100999",
            "1000",
            [
                Spell(
                    date(2025, 4, 1), None, None, [(date(2025, 4, 1), "hire", "T02", "L1", "none")]
                )
            ],
        )
    )
    return people


def _lineage(source: str, name: str, d: date, n: int) -> dict[str, list]:
    return {
        "_business_date": [d] * n,
        "_source_file": [f"{source}/{d}/{name}.csv"] * n,
        "_file_sha256": ["0" * 64] * n,
        "_manifest_generated_at": [datetime.combine(d, datetime.min.time())] * n,
        "_load_id": ["test-load"] * n,
        "_line_no": list(range(2, n + 2)),
    }


def _write(raw: Path, source: str, name: str, d: date, rows: list[dict]) -> None:
    ent = entity(source, name)
    cols = {c.name: [r.get(c.name) for r in rows] for c in ent.columns}
    cols.update(_lineage(source, name, d, len(rows)))
    table = pa.Table.from_pydict(cols, schema=raw_schema(ent))
    folder = partition_dir(raw, ent, d)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "data.parquet")


def _pii(p: Person) -> dict[str, str]:
    n = int(p.employee_id)
    return {
        "full_name": f"员工{n}",
        "id_card_no": f"{110101199001010000 + n:018d}",
        "mobile_no": f"138{n:08d}",
    }


def _roster(people: list[Person], d: date) -> list[dict]:
    rows = []
    for p in people:
        started = [s for s in p.spells if s.hire <= d]
        if not started:
            continue
        s = started[-1]
        left = s.term is not None and s.term <= d
        rows.append(
            {
                "employee_id": p.employee_id,
                "agent_login": p.login,
                **_pii(p),
                "gender": "F",
                "education": "college",
                "employment_type": "regular",
                "site": "CD",
                "hire_date": s.hire,
                "termination_date": s.term if left else None,
                "termination_type": s.term_type if left else None,
                "termination_reason": "pay" if left else None,
                "status": "terminated" if left else "active",
            }
        )
    return rows


def _job_history(people: list[Person], d: date) -> list[dict]:
    rows = []
    for p in people:
        spell_rows = [r for s in p.spells for r in s.rows if r[0] <= d]
        for k, (frm, action, team, level, role) in enumerate(spell_rows):
            nxt = spell_rows[k + 1][0] if k + 1 < len(spell_rows) else None
            rows.append(
                {
                    "employee_id": p.employee_id,
                    "effective_from": frm,
                    "effective_to": nxt - timedelta(days=1) if nxt else None,
                    "action": action,
                    "team_id": team,
                    "supervisor_id": "100000",
                    "job_level": level,
                    "incentive_role": role,
                    "salary_band": "B2-1",
                }
            )
    return rows


PULSE = [("T01", date(2025, 12, 10), e) for e in (10, 10, 9, 8, 3, 0)]
PULSE += [("T01", date(2026, 1, 2), 10)] + [("T02", date(2025, 12, 11), e) for e in (9, 2, 7)]


def write_lake(raw: Path, people: list[Person]) -> None:
    write_empty_lake(raw, AS_OF)
    for d in (FIRST, AS_OF):
        _write(raw, "hr", "employees", d, _roster(people, d))
        _write(raw, "hr", "job_history", d, _job_history(people, d))
        _write(
            raw,
            "hr",
            "teams",
            d,
            [{"team_id": t, "team_name": f"Team {t}", "site": "CD"} for t in TEAMS],
        )
    ids = [p.employee_id for p in people]
    _write(
        raw,
        "hr",
        "incentives",
        AS_OF,
        [
            {
                "employee_id": e,
                "period_month": "2026-02",
                "incentive_type": "performance_bonus",
                "amount_cny": 1000.0 + 100 * k,
                "quality_linked": True,
            }
            for k, e in enumerate(ids[1:7])
        ]
        + [
            {
                "employee_id": e,
                "period_month": "2026-02",
                "incentive_type": "star_award",
                "amount_cny": 5000.0,
                "quality_linked": False,
            }
            for e in ids[1:3]
        ],
    )
    _write(
        raw,
        "hr",
        "training",
        AS_OF,
        [
            {
                "employee_id": e,
                "course_id": "CERT-1",
                "course_type": "certification",
                "hours": 8.0,
                "started_on": date(2025, 11, 3),
                "completed_on": date(2025, 11, 5),
                "score": 90.0,
                "passed": True,
            }
            for e in ids[1:4]
        ],
    )
    _write(
        raw,
        "hr",
        "schedules",
        AS_OF,
        [
            {
                "employee_id": ids[1],
                "shift_date": AS_OF,
                "activity": "shift",
                "starts_at": datetime(2026, 3, 15, 1, 0),
                "ends_at": datetime(2026, 3, 15, 10, 0),
            },
            {
                "employee_id": ids[1],
                "shift_date": AS_OF,
                "activity": "lunch",
                "starts_at": datetime(2026, 3, 15, 4, 0),
                "ends_at": datetime(2026, 3, 15, 5, 0),
            },
        ],
    )
    _write(
        raw,
        "survey",
        "employee_pulse",
        AS_OF,
        [
            {
                "response_id": f"P{k}",
                "wave": "2025H2",
                "team_id": t,
                "enps": e,
                "submitted_at": datetime.combine(d, datetime.min.time()) + timedelta(hours=3),
            }
            for k, (t, d, e) in enumerate(PULSE)
        ],
    )


# -------------------------------------------------------------------------- build fixture


@dataclass(frozen=True)
class Built:
    settings: Settings
    target: Path
    people: list[Person]

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql).df()


def _profiles_dir(tmp: Path) -> Path:
    """The project's profiles.yml; if the shared csq plugin does not (yet) create the temp
    macro on dbt's cursors, a copy of the profile with a subclass that does."""
    from orchestration.lib.dbt_duckdb_plugin import Plugin

    if "configure_cursor" in Plugin.__dict__:
        return DBT_DIR
    shim = tmp / "profiles"
    shim.mkdir()
    (shim / "csq_hr_cursor_plugin.py").write_text(
        "from orchestration.lib.dbt_duckdb_plugin import Plugin as _Base\n\n\n"
        "class Plugin(_Base):\n"
        "    def configure_cursor(self, cursor):\n"
        "        cursor.execute(self._macro_sql)\n"
        "        return cursor\n"
    )
    text = (DBT_DIR / "profiles.yml").read_text()
    (shim / "profiles.yml").write_text(
        text.replace("module: orchestration.lib.dbt_duckdb_plugin", "module: csq_hr_cursor_plugin")
    )
    return shim


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    tmp = tmp_path_factory.mktemp("dbt_hr")
    settings = load_settings(
        {"CSQ_HOME": str(tmp / "home"), "CSQ_PII_SALT": SALT, "CSQ_DBT_TARGET": "ci"}
    )
    people = make_workforce()
    write_lake(settings.raw_dir, people)
    profiles = _profiles_dir(tmp)
    env = {**os.environ, **settings.subprocess_env()}
    env["PYTHONPATH"] = os.pathsep.join([str(profiles), str(REPO), env.get("PYTHONPATH", "")])
    target = tmp / "target"
    selectors = [
        "+kpi_team_stability_monthly",
        "+kpi_attrition_cohort",
        "+kpi_incentive_effect_summary",
        "+kpi_incentive_effect",
        "+fct_incentive_amounts_monthly",
        "+fct_schedules",
        "+int_agent_login_map",
        "+dim_team",
    ]
    cmd = [str(DBT), "build", "--select", *selectors, "--indirect-selection", "cautious"]
    cmd += ["--profiles-dir", str(profiles)]
    cmd += ["--target", "ci", "--target-path", str(target), "--log-path", str(target / "logs")]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-60:])
        pytest.fail(f"dbt build failed (rc={proc.returncode}):\n{tail}\n{proc.stderr}")
    yield Built(settings, target, people)


# ------------------------------------------------------------------- independent computation


def _months() -> list[date]:
    out, m = [], FIRST.replace(day=1)
    while m <= AS_OF:
        out.append(m)
        m = (m + timedelta(days=32)).replace(day=1)
    return out


def _month_end(m: date) -> date:
    return (m + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def expected_team_months(people: list[Person]) -> pd.DataFrame:
    """The KPI definitions of domain.md applied directly to the workforce."""
    acc: dict[tuple[date, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for m in _months():
        end = min(_month_end(m), AS_OF)
        for p in people:
            for k, s in enumerate(p.spells):
                known = s.term_type if k == len(p.spells) - 1 else "other"

                def active(d: date, s: Spell = s) -> bool:
                    return s.hire <= d and (s.term is None or d <= s.term)

                if active(m):
                    a = acc[(m, p.team_on(m))]
                    a["headcount_start"] += 1
                    a["retained"] += active(end)
                if active(end):
                    a = acc[(m, p.team_on(end))]
                    tenure = (end - s.hire).days
                    a["headcount_end"] += 1
                    a["tenure_sum"] += tenure
                    a["new_hires_end"] += tenure < 90
                    band = next(b for b in BANDS if b[1] <= tenure <= b[2])
                    a[band[3]] += 1
                if s.term and m <= s.term <= end:
                    a = acc[(m, p.team_on(s.term))]
                    a["separations"] += 1
                    a[f"{known}_separations"] += 1
                if m <= s.hire <= end:
                    last = min(end, s.term or end)
                    a = acc[(m, p.team_on(last))]
                    a["hires"] += 1
                    a["cohort_left_90d"] += bool(s.term and (s.term - s.hire).days < 90)
                for prev, row in zip(s.rows, s.rows[1:], strict=False):
                    if row[1] != "termination" and row[2] != prev[2] and m <= row[0] <= end:
                        acc[(m, prev[2])]["team_churn"] += 1
    teams = sorted({t for _, t in acc})
    rows = []
    for t in teams:
        window: list[tuple[float, float]] = []
        for m in _months():
            a = acc.get((m, t), defaultdict(float))
            avg = (a["headcount_start"] + a["headcount_end"]) / 2
            window = [*window, (a["separations"], avg)][-12:]
            mean_avg = sum(w[1] for w in window) / len(window)
            mature = _month_end(m) + timedelta(days=90) <= AS_OF
            hs, he = a["headcount_start"], a["headcount_end"]
            rows.append(
                {
                    "month": m,
                    "team_id": t,
                    "headcount_start": hs,
                    "headcount_end": he,
                    "separations": a["separations"],
                    "voluntary_separations": a["voluntary_separations"],
                    "involuntary_separations": a["involuntary_separations"],
                    "team_churn": a["team_churn"],
                    "hires": a["hires"],
                    "turnover_rate": a["separations"] / avg if avg else np.nan,
                    "turnover_rate_12m": (
                        sum(w[0] for w in window) / mean_avg
                        if len(window) == 12 and mean_avg
                        else np.nan
                    ),
                    "retention_rate": a["retained"] / hs if hs else np.nan,
                    "avg_tenure_days": a["tenure_sum"] / he if he else np.nan,
                    "new_hire_share": a["new_hires_end"] / he if he else np.nan,
                    "attrition_90d": (
                        a["cohort_left_90d"] / a["hires"] if mature and a["hires"] else np.nan
                    ),
                    **{b[3]: a[b[3]] for b in BANDS},
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ tests


@pytest.mark.integration
def test_hr_unit_tests_ran_and_passed(built: Built) -> None:
    results = json.loads((built.target / "run_results.json").read_text())["results"]
    unit = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    assert {n: unit.get(n) for n in HR_UNIT_TESTS} == dict.fromkeys(HR_UNIT_TESTS, "pass")


@pytest.mark.integration
def test_team_stability_matches_independent_computation(built: Built) -> None:
    expected = expected_team_months(built.people)
    actual = built.query("select * from kpi.kpi_team_stability_monthly")
    actual["month"] = pd.to_datetime(actual["month"]).dt.date
    merged = expected.merge(actual, on=["month", "team_id"], how="left", suffixes=("", "_dbt"))
    assert len(merged) == len(expected) and merged["headcount_start_dbt"].notna().all()
    assert set(actual.team_id) == set(expected.team_id)
    assert expected.separations.sum() > 20 and expected.team_churn.sum() > 5  # a real test
    assert expected.turnover_rate_12m.notna().sum() >= 4 * len(TEAMS)
    for col in expected.columns.drop(["month", "team_id"]):
        got, want = merged[f"{col}_dbt"].astype(float), merged[col].astype(float)
        np.testing.assert_allclose(got, want, rtol=1e-9, equal_nan=True, err_msg=col)


@pytest.mark.integration
def test_attrition_cohorts_match_independent_computation(built: Built) -> None:
    """Every cohort the HR record knows, also those hired before the first roster delivery
    (FIRST): their hire and termination dates are in the snapshot."""
    hires = [
        (s.hire.replace(day=1), s.term and (s.term - s.hire).days)
        for p in built.people
        for s in p.spells
    ]
    frame = pd.DataFrame(hires, columns=["hire_month", "stayed"])
    actual = built.query("select * from kpi.kpi_attrition_cohort order by hire_month")
    actual["hire_month"] = pd.to_datetime(actual["hire_month"]).dt.date
    assert actual.hire_month.tolist() == sorted(frame.hire_month.unique())
    for row in actual.itertuples():
        cohort = frame[frame.hire_month == row.hire_month].stayed
        assert row.hires == len(cohort)
        for n in (30, 90, 180):
            left = int(sum(1 for v in cohort if v is not None and v < n))
            assert getattr(row, f"left_{n}d") == left, (row.hire_month, n)
            mature = _month_end(row.hire_month) + timedelta(days=n) <= AS_OF
            assert getattr(row, f"mature_{n}d") == mature
            rate = getattr(row, f"attrition_{n}d")
            assert (rate == pytest.approx(left / len(cohort))) if mature else pd.isna(rate)
        assert row.is_before_first_roster == (row.hire_month < FIRST.replace(day=1))
    assert actual.hire_month.min() < FIRST.replace(day=1)  # cohorts before the first delivery


@pytest.mark.integration
def test_enps_is_suppressed_below_five_and_never_per_person(built: Built) -> None:
    got = built.query(
        "select team_id, enps, enps_n from kpi.kpi_team_stability_monthly "
        "where month = '2025-12-01' and team_id in ('T01', 'T02') order by team_id"
    )
    # T01: the wave's mode month is December; its 7 answers (4 promoters, 2 detractors)
    assert got.enps_n.tolist() == [7, 3]
    assert got.enps[0] == pytest.approx(100 * (4 - 2) / 7)
    assert pd.isna(got.enps[1])
    cols = built.query("select table_name, column_name from information_schema.columns")
    pulse = set(cols[cols.table_name == "fct_employee_pulse"].column_name)
    assert not pulse & {"employee_id", "employee_sk", "agent_login"}


@pytest.mark.integration
def test_no_pii_or_per_person_pay_in_core_or_marts(built: Built) -> None:
    cols = built.query(
        "select table_schema, table_name, column_name from information_schema.columns"
    )
    hr_core = cols[cols.table_schema.isin(["core", "kpi"])]
    forbidden = {c.name for e in ENTITIES for c in e.columns if c.pii or c.sensitive}
    assert hr_core[hr_core.column_name.isin(forbidden)].empty
    staged = built.query(
        "select employee_id, full_name_hmac, mobile_no_hmac from staging.stg_hr__employees"
    ).set_index("employee_id")
    person = built.people[5]
    assert staged.loc[person.employee_id, "full_name_hmac"] == pseudonymise(
        _pii(person)["full_name"], SALT
    )
    amounts = built.query(
        "select incentive_type, recipients, is_suppressed, total_amount_cny, avg_amount_cny "
        "from core.fct_incentive_amounts_monthly order by incentive_type"
    )
    bonus, star = amounts.iloc[0], amounts.iloc[1]
    assert (bonus.recipients, bonus.is_suppressed) == (6, False)
    assert bonus.total_amount_cny == pytest.approx(sum(1000.0 + 100 * k for k in range(6)))
    assert bonus.avg_amount_cny == pytest.approx(1250.0)
    assert (star.recipients, star.is_suppressed) == (2, True)
    assert pd.isna(star.total_amount_cny) and pd.isna(star.avg_amount_cny)


@pytest.mark.integration
def test_login_map_resolves_a_recycled_login(built: Built) -> None:
    login = built.people[0].login
    got = built.query(
        f"select employee_id, valid_from, valid_to from intermediate.int_agent_login_map "
        f"where agent_login = '{login}' order by valid_from"
    )
    first = built.people[0].spells[-1]
    assert got.employee_id.tolist() == ["100000", "100999"]
    assert pd.Timestamp(got.valid_from[0]).date() == first.hire
    assert pd.Timestamp(got.valid_to[0]).date() == date(2025, 3, 1)  # day after the last day
    assert pd.Timestamp(got.valid_from[1]).date() == date(2025, 4, 1)
    assert pd.Timestamp(got.valid_to[1]).date() == date(9999, 12, 31)


@pytest.mark.integration
def test_dim_employee_versions_follow_job_history(built: Built) -> None:
    dim = built.query(
        "select employee_id, valid_from, valid_to, team_id, job_level, hire_date "
        "from core.dim_employee where employee_id <> '-1' order by employee_id, valid_from"
    )
    expected = [
        (p.employee_id, r[0], r[2], r[3], s.hire)
        for p in built.people
        for s in p.spells
        for r in s.rows
        if r[0] <= AS_OF
    ]
    got = [
        (e, pd.Timestamp(f).date(), t, lv, pd.Timestamp(h).date())
        for e, f, t, lv, h in dim[
            ["employee_id", "valid_from", "team_id", "job_level", "hire_date"]
        ].itertuples(index=False)
    ]
    assert got == sorted(expected)
    unknown = built.query("select * from core.dim_employee where employee_sk = '-1'")
    assert len(unknown) == 1


@pytest.mark.integration
def test_incentive_effect_has_certification_cohort(built: Built) -> None:
    got = built.query(
        "select employee_id, relative_month from kpi.kpi_incentive_effect "
        "where event_type = 'certification' and is_treated"
    )
    event = date(2025, 11, 1)
    expected = set()
    for p in built.people[1:4]:
        for k in range(-6, 7):
            month = (event.replace(day=15) + timedelta(days=30.44 * k)).replace(day=1)
            if not FIRST <= month <= AS_OF:
                continue
            end = min(_month_end(month), AS_OF)
            if any(s.hire <= end and (s.term is None or s.term >= month) for s in p.spells):
                expected.add((p.employee_id, k))
    assert expected, "no certified agent employed around the event"
    assert set(got.itertuples(index=False, name=None)) == expected
