"""The HR side of the simulation: teams, employees, job spells, attrition, hiring classes,
promotions, incentive roles, transfers, training and incentives, for the whole period.

The workforce is simulated day by day before any contact is generated; the contact
simulation then asks :meth:`Workforce.agents_on` who works on a day and how good they are
(:meth:`Workforce.proficiency`, the latent driver of every service KPI, see ``synthetic``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from synthetic import identities

SITES = ("广州天河", "成都高新")
LINES_OF_BUSINESS = ("sim", "4g", "5g", "broadband")
TEAM_SIZE = 15
"""Agents per team: ~20 teams at 300 agents."""
ONBOARDING_DAYS = 10
"""New hires are in classroom onboarding for their first 10 days (no contacts)."""

# Attrition: daily hazards calibrated to ~35 % a year with ~22 % of hires gone within 90 days.
HAZARD_NEW = -np.log(1 - 0.22) / 90
HAZARD_TENURED = -np.log(1 - 0.30) / 365
ROLE_HAZARD_FACTOR = 0.5
INCENTIVE_ROLES = ("mentor", "internal_trainer", "star_agent", "quality_champion")

# Proficiency model (documented in the package docstring).
TENURE_EFFECT = 1.2
TENURE_SCALE_DAYS = 90.0
TEAM_CHURN_EFFECT = 2.0
ROLE_EFFECT = 0.35
PROMOTION_EFFECT = 0.25
CERTIFICATION_EFFECT = 0.15

VOLUNTARY_REASONS = ("pay", "workload", "career", "relocation")
INVOLUNTARY_REASONS = ("performance", "misconduct")
OTHER_REASONS = ("contract_end", "retirement")
SALARY_BANDS = {"L1": "B1", "L2": "B2", "L3": "B3", "L4": "B4", "L5": "B5"}


@dataclass
class Spell:
    """One job_history row (``effective_to`` is derived: the day before the next spell)."""

    effective_from: date
    action: str
    team_id: str | None
    supervisor_id: str | None
    job_level: str
    incentive_role: str


@dataclass
class Employment:
    """One hire-to-termination period (a rehire opens a new one)."""

    hire_date: date
    termination_date: date | None = None
    termination_type: str | None = None
    termination_reason: str | None = None


@dataclass
class Employee:
    """An HR master record plus the simulation state behind it."""

    idx: int
    employee_id: str
    full_name: str
    id_card_no: str
    mobile_no: str
    gender: str
    birth_date: date
    education: str
    employment_type: str
    site: str
    is_agent: bool
    skill: float
    employments: list[Employment] = field(default_factory=list)
    spells: list[Spell] = field(default_factory=list)
    logins: list[tuple[str, date, date | None]] = field(default_factory=list)
    """(agent_login, from, to inclusive) periods: logins are recycled after a leaver."""
    promotions: list[date] = field(default_factory=list)
    role_since: date | None = None
    certified_on: date | None = None

    @property
    def current(self) -> Employment:
        return self.employments[-1]

    def employment_on(self, d: date) -> Employment | None:
        """The employment period covering ``d`` (hire <= d <= termination), if any."""
        for e in self.employments:
            if e.hire_date <= d and (e.termination_date is None or d <= e.termination_date):
                return e
        return None

    def spell_on(self, d: date) -> Spell:
        """The job spell in force on ``d``."""
        found = self.spells[0]
        for s in self.spells:
            if s.effective_from <= d:
                found = s
        return found

    def login_on(self, d: date) -> str | None:
        for login, lo, hi in self.logins:
            if lo <= d and (hi is None or d <= hi):
                return login
        return None


@dataclass
class Team:
    """A team and its churn pressure (a hidden multiplier on the attrition hazard)."""

    team_id: str
    team_name: str
    site: str
    line_of_business: str
    leader_id: str
    supervisor_id: str
    created_on: date
    pressure: float
    separations: list[date] = field(default_factory=list)


@dataclass
class TrainingRecord:
    employee_id: str
    course_id: str
    course_type: str
    hours: float
    started_on: date
    completed_on: date | None
    score: float | None
    passed: bool | None

    @property
    def delivered_on(self) -> date:
        """Events are delivered when the record becomes final."""
        return self.completed_on or self.started_on


@dataclass
class IncentiveRecord:
    employee_id: str
    period_month: str
    incentive_type: str
    amount_cny: float
    quality_linked: bool
    delivered_on: date


class Workforce:
    """Simulates the HR population from ``start`` to ``end`` (inclusive)."""

    def __init__(self, start: date, end: date, agents: int, seed: int) -> None:
        self.start, self.end, self.target_agents = start, end, agents
        self.rng = np.random.default_rng([seed, 1])
        self.employees: list[Employee] = []
        self.teams: list[Team] = []
        self.training: list[TrainingRecord] = []
        self.incentives: list[IncentiveRecord] = []
        self._next_login = 1000
        self._free_logins: list[tuple[str, date]] = []
        self._build_organisation()
        for offset in range((end - start).days + 1):
            self._simulate_day(start + timedelta(days=offset))

    # ------------------------------------------------------------------ setup
    def _new_employee(self, is_agent: bool, birth_ref: date, site: str) -> Employee:
        rng = self.rng
        idx = len(self.employees)
        male = bool(rng.random() < 0.45)
        birth = identities.birth_dates(rng, 1, np.datetime64(birth_ref), 20, 40 if is_agent else 48)
        place = int(rng.integers(len(identities.PLACES)))
        emp = Employee(
            idx=idx,
            employee_id=f"{8001 + idx:06d}",
            full_name=str(identities.chinese_names(rng, 1)[0]),
            id_card_no=str(
                identities.id_card_numbers(
                    rng, identities.DIVISIONS[[place]], birth, np.array([male])
                )[0]
            ),
            mobile_no=str(identities.mobiles(rng, 1)[0]),
            gender="M" if male else "F",
            birth_date=birth[0].astype(date),
            education=str(
                rng.choice(
                    ["high_school", "college", "bachelor", "master"], p=[0.15, 0.5, 0.32, 0.03]
                )
            ),
            employment_type=str(
                rng.choice(["regular", "dispatched", "intern"], p=[0.6, 0.33, 0.07])
                if is_agent
                else "regular"
            ),
            site=site,
            is_agent=is_agent,
            skill=float(rng.normal(0, 0.4)),
        )
        self.employees.append(emp)
        return emp

    def _allocate_login(self, d: date) -> str:
        """Recycle the most recently freed login (freed before ``d``) most of the time."""
        free = [i for i, (_, freed) in enumerate(self._free_logins) if freed < d]
        if free and self.rng.random() < 0.8:
            login, _ = self._free_logins.pop(free[-1])
            return login
        self._next_login += 1
        return f"{self._next_login:04d}"

    def _hire(self, emp: Employee, d: date, team: Team, level: str, action: str = "hire") -> None:
        emp.employments.append(Employment(d))
        emp.spells.append(Spell(d, action, team.team_id, team.leader_id, level, "none"))
        if emp.is_agent:
            emp.logins.append((self._allocate_login(d), d, None))

    def _build_organisation(self) -> None:
        rng = self.rng
        n_teams = max(2, round(self.target_agents / TEAM_SIZE))
        n_sup = max(1, round(n_teams / 5))
        founded = self.start - timedelta(days=6 * 365)
        supervisors = []
        for s in range(n_sup):
            sup = self._new_employee(False, founded, SITES[s % len(SITES)])
            sup.employments.append(Employment(founded + timedelta(days=int(rng.integers(0, 400)))))
            sup.spells.append(Spell(sup.current.hire_date, "hire", None, None, "L5", "none"))
            supervisors.append(sup)
        pressure = rng.lognormal(0, 0.55, n_teams)
        pressure = pressure / pressure.mean()
        for t in range(n_teams):
            sup = supervisors[t % n_sup]
            lead = self._new_employee(False, founded, sup.site)
            lead.employments.append(
                Employment(founded + timedelta(days=int(rng.integers(200, 1200))))
            )
            team = Team(
                team_id=f"T{t + 1:02d}",
                team_name=f"{sup.site[:2]}{LINES_OF_BUSINESS[t % 4].upper()}服务{t + 1}组",
                site=sup.site,
                line_of_business=LINES_OF_BUSINESS[t % 4],
                leader_id=lead.employee_id,
                supervisor_id=sup.employee_id,
                created_on=founded + timedelta(days=int(rng.integers(0, 300))),
                pressure=float(pressure[t]),
            )
            lead.spells.append(
                Spell(lead.current.hire_date, "hire", team.team_id, sup.employee_id, "L4", "none")
            )
            self.teams.append(team)
        # the initial agents, with a steady-state tenure mix (hired before the start)
        per_team = self.target_agents / n_teams
        for i in range(self.target_agents):
            team = self.teams[min(int(i / per_team), n_teams - 1)]
            emp = self._new_employee(True, self.start, team.site)
            tenure = int(min(rng.exponential(1 / (HAZARD_TENURED * team.pressure)), 2000)) + 1
            hired = self.start - timedelta(days=tenure)
            self._hire(emp, hired, team, "L1")
            level = "L1"
            for months, nxt in ((6, "L2"), (18, "L3")):
                at = hired + timedelta(days=months * 30 + int(rng.integers(0, 120)))
                if at < self.start and rng.random() < 0.8:
                    level = nxt
                    emp.promotions.append(at)
                    emp.spells.append(
                        Spell(at, "promotion", team.team_id, team.leader_id, nxt, "none")
                    )
            if level != "L1" and rng.random() < 0.1:
                since = self.start - timedelta(days=int(rng.integers(30, 300)))
                if since > emp.spells[-1].effective_from:
                    emp.role_since = since
                    role = str(rng.choice(INCENTIVE_ROLES))
                    emp.spells.append(
                        Spell(since, "role_change", team.team_id, team.leader_id, level, role)
                    )
            if tenure > 120:
                emp.certified_on = hired + timedelta(days=100)

    # ------------------------------------------------------------- simulation
    def team_of(self, team_id: str) -> Team:
        return next(t for t in self.teams if t.team_id == team_id)

    def active_agents(self, d: date) -> list[Employee]:
        return [e for e in self.employees if e.is_agent and e.employment_on(d) is not None]

    def _simulate_day(self, d: date) -> None:
        rng = self.rng
        for emp in self.active_agents(d):
            if emp.current.hire_date == d:
                continue
            spell = emp.spell_on(d)
            team = self.team_of(spell.team_id)
            tenure = (d - emp.current.hire_date).days
            hazard = (HAZARD_NEW if tenure < 90 else HAZARD_TENURED) * team.pressure
            hazard *= np.exp(-0.5 * emp.skill)
            if spell.incentive_role != "none":
                hazard *= ROLE_HAZARD_FACTOR
            if rng.random() < hazard:
                self._terminate(emp, d, team)
        if d.weekday() == 0 and d.isocalendar().week % 2 == 0:
            self._hiring_class(d)
        if d.day == 1:
            self._monthly_career_moves(d)
        if d.day == 15:
            self._transfers(d)
        self._training_day(d)
        if (d + timedelta(days=1)).day == 1:
            self._pay_incentives(d)

    def _terminate(self, emp: Employee, d: date, team: Team) -> None:
        rng = self.rng
        kind = str(rng.choice(["voluntary", "involuntary", "other"], p=[0.78, 0.15, 0.07]))
        reasons = {"voluntary": VOLUNTARY_REASONS, "involuntary": INVOLUNTARY_REASONS}
        reason = str(rng.choice(reasons.get(kind, OTHER_REASONS)))
        job = emp.current
        job.termination_date, job.termination_type, job.termination_reason = d, kind, reason
        last = emp.spell_on(d)
        emp.spells.append(
            Spell(
                d + timedelta(days=1),
                "termination",
                last.team_id,
                last.supervisor_id,
                last.job_level,
                "none",
            )
        )
        emp.role_since = None
        login, lo, _ = emp.logins[-1]
        emp.logins[-1] = (login, lo, d)
        self._free_logins.append((login, d))
        team.separations.append(d)

    def _hiring_class(self, d: date) -> None:
        rng = self.rng
        active = self.active_agents(d)
        for team in self.teams:
            size = sum(1 for e in active if e.spell_on(d).team_id == team.team_id)
            gap = round(self.target_agents / len(self.teams)) - size
            for _ in range(max(0, gap + int(rng.random() < 0.3))):
                leavers = [
                    e
                    for e in self.employees
                    if e.is_agent
                    and e.current.termination_type == "voluntary"
                    and e.current.termination_date is not None
                    and (d - e.current.termination_date).days > 60
                ]
                if leavers and rng.random() < 0.04:
                    emp = leavers[int(rng.integers(len(leavers)))]
                    self._hire(emp, d, team, emp.spell_on(d).job_level, action="rehire")
                else:
                    emp = self._new_employee(True, d, team.site)
                    self._hire(emp, d, team, "L1")
                self.training.append(
                    self._course(emp, "ONB-BASIC", "onboarding", 80, d, ONBOARDING_DAYS - 1, 0.95)
                )

    def _course(
        self, emp: Employee, course: str, kind: str, hours: float, d: date, days: int, pass_p: float
    ) -> TrainingRecord:
        rng = self.rng
        q = self.proficiency(emp, d)
        score = float(np.clip(round(72 + 10 * q + rng.normal(0, 8), 1), 0, 100))
        passed = bool(score >= 60 and rng.random() < pass_p + 0.04)
        return TrainingRecord(
            emp.employee_id, course, kind, hours, d, d + timedelta(days=days), score, passed
        )

    @staticmethod
    def _can_move(emp: Employee, d: date) -> bool:
        """A career move may start on ``d``: no spell starts that day, and none later (an
        agent terminated on ``d`` already has tomorrow's termination spell)."""
        return emp.spells[-1].effective_from < d

    def _monthly_career_moves(self, d: date) -> None:
        rng = self.rng
        for emp in self.active_agents(d):
            spell = emp.spell_on(d)
            if not self._can_move(emp, d):
                continue
            tenure = (d - emp.current.hire_date).days
            q = self.proficiency(emp, d)
            up = {"L1": (180, 0.22), "L2": (540, 0.07)}.get(spell.job_level)
            if up and tenure >= up[0] and rng.random() < up[1] * (1 + 0.5 * q):
                level = "L2" if spell.job_level == "L1" else "L3"
                emp.spells.append(
                    Spell(
                        d,
                        "promotion",
                        spell.team_id,
                        spell.supervisor_id,
                        level,
                        spell.incentive_role,
                    )
                )
                emp.promotions.append(d)
            elif (
                spell.incentive_role == "none"
                and spell.job_level != "L1"
                and rng.random() < 0.03 * (1 + q)
            ):
                role = str(rng.choice(INCENTIVE_ROLES))
                emp.spells.append(
                    Spell(
                        d, "role_change", spell.team_id, spell.supervisor_id, spell.job_level, role
                    )
                )
                emp.role_since = d
            elif spell.incentive_role != "none" and rng.random() < 0.04:
                emp.spells.append(
                    Spell(
                        d,
                        "role_change",
                        spell.team_id,
                        spell.supervisor_id,
                        spell.job_level,
                        "none",
                    )
                )
                emp.role_since = None
            elif spell.job_level == "L2" and rng.random() < 0.003:
                emp.spells.append(
                    Spell(d, "demotion", spell.team_id, spell.supervisor_id, "L1", "none")
                )

    def _transfers(self, d: date) -> None:
        rng = self.rng
        for emp in self.active_agents(d):
            spell = emp.spell_on(d)
            if self._can_move(emp, d) and rng.random() < 0.012:
                team = self.teams[int(rng.integers(len(self.teams)))]
                if team.team_id != spell.team_id:
                    emp.spells.append(
                        Spell(
                            d,
                            "transfer",
                            team.team_id,
                            team.leader_id,
                            spell.job_level,
                            spell.incentive_role,
                        )
                    )

    def _training_day(self, d: date) -> None:
        rng = self.rng
        for emp in self.active_agents(d):
            tenure = (d - emp.current.hire_date).days
            if d.day == 10 and emp.certified_on is None and tenure >= 90:
                rec = self._course(emp, f"CERT-{d:%Y%m}", "certification", 4, d, 0, 0.75)
                self.training.append(rec)
                if rec.passed:
                    emp.certified_on = d
            if 25 <= d.day <= 28 and (emp.idx + d.day) % 4 == 0 and tenure >= ONBOARDING_DAYS:
                self.training.append(
                    self._course(emp, f"EXAM-{d:%Y%m}", "monthly_exam", 1, d, 0, 0.9)
                )
            if d.day == 8 and d.month % 3 == 1 and tenure >= ONBOARDING_DAYS:
                self.training.append(
                    TrainingRecord(
                        emp.employee_id,
                        f"PRD-{d:%Y}Q{(d.month + 2) // 3}",
                        "product",
                        2.0,
                        d,
                        d,
                        None,
                        None,
                    )
                )
            if rng.random() < 0.004:
                done = d + timedelta(days=int(rng.integers(0, 3)))
                left = emp.current.termination_date
                self.training.append(
                    TrainingRecord(
                        emp.employee_id,
                        str(
                            rng.choice(
                                ["SKL-EMPATHY", "SKL-DEESCALATE", "SKL-WRITING", "SKL-SYSTEMS"]
                            )
                        ),
                        "skills",
                        float(rng.choice([2.0, 3.5, 6.0])),
                        d,
                        None if left is not None and left < done else done,
                        None,
                        None,
                    )
                )

    def _pay_incentives(self, d: date) -> None:
        rng = self.rng
        month = f"{d:%Y-%m}"
        for emp in self.active_agents(d):
            if (d - emp.current.hire_date).days < 20:
                continue
            q = self.proficiency(emp, d)
            role = emp.spell_on(d).incentive_role

            def pay(kind: str, amount: float, linked: bool, emp: Employee = emp) -> None:
                self.incentives.append(
                    IncentiveRecord(emp.employee_id, month, kind, round(amount, 2), linked, d)
                )

            if q + rng.normal(0, 0.3) > 0.2:
                pay("performance_bonus", 400 + 400 * rng.random() + 300 * max(q, 0), False)
            if q + rng.normal(0, 0.3) > 0.4:
                pay("quality_bonus", 300 + 200 * rng.random(), True)
            extra = {
                "star_agent": ("star_award", 800.0, True),
                "mentor": ("mentor_allowance", 500.0, False),
                "internal_trainer": ("trainer_allowance", 600.0, False),
            }.get(role)
            if extra:
                pay(extra[0], extra[1], extra[2])

    # ------------------------------------------------------------- read side
    def team_churn(self, team: Team, d: date) -> float:
        """Separations in the 90 days up to ``d`` per team seat (+ expected pre-start share)."""
        seen = sum(1 for s in team.separations if 0 <= (d - s).days < 90)
        before = max(0, 90 - (d - self.start).days) / 365
        expected = team.pressure * 0.35 * before * TEAM_SIZE
        return (seen + expected) / TEAM_SIZE

    def proficiency(self, emp: Employee, d: date) -> float:
        """The latent service quality of an agent on a day (see the package docstring)."""
        job = emp.employment_on(d) or emp.current
        tenure = max(0, (d - job.hire_date).days)
        spell = emp.spell_on(d)
        q = emp.skill - TENURE_EFFECT * np.exp(-tenure / TENURE_SCALE_DAYS)
        if spell.team_id is not None:
            q -= TEAM_CHURN_EFFECT * (self.team_churn(self.team_of(spell.team_id), d) - 0.09)
        if spell.incentive_role != "none":
            q += ROLE_EFFECT
        q += PROMOTION_EFFECT * sum(1 for p in emp.promotions if p <= d and (d - p).days < 720)
        if emp.certified_on is not None and emp.certified_on <= d:
            q += CERTIFICATION_EFFECT
        return float(q)
