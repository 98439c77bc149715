"""Workforce-management plan of one day: who works which shift, breaks, lunch, training,
meetings and leave, plus the 15-minute availability grid the contact routing uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from synthetic.workforce import ONBOARDING_DAYS, Workforce

SLOT_S = 900
OPEN_HOUR, CLOSE_HOUR = 8, 22
N_SLOTS = (CLOSE_HOUR - OPEN_HOUR) * 3600 // SLOT_S
SHIFT_STARTS_H = np.array([8, 10, 11, 13])
SHIFT_CUMULATIVE = np.array([6, 11, 15, 20])
"""Shift type mix out of 20: early / mid / mid-late / late; a shift is 9 h with 1 h lunch."""
SHIFT_SLOTS = 36
"""A full-time shift: 9 h with an hour's lunch and two 15-minute breaks."""
INTERN_SLOTS = 24
"""Interns work 6 h shifts with one break and no lunch."""
OVERTIME_SLOTS = 4
OVERTIME_SHARE = 0.2
"""Share of full-time shifts starting by 11:00 extended by an hour of overtime (late shifts end
at closing time and cannot be)."""
# planned activities inside a shift: (activity, first slot, slots, share of agent-days)
BREAK_1, LUNCH, BREAK_2 = (8, 1), (16, 4), (28, 1)
INTERN_BREAK = (11, 1)
TRAINING, MEETING, COACHING = (10, 4), (22, 2), (24, 2)


def local_midnight(d: date) -> int:
    """Epoch seconds (UTC) of 00:00 Asia/Shanghai on ``d``."""
    return (d - date(1970, 1, 1)).days * 86400 - 8 * 3600


@dataclass
class DayPlan:
    """The agents working on one day and the schedule rows behind them."""

    day0: int
    open_s: int
    employee_id: np.ndarray
    login: np.ndarray
    proficiency: np.ndarray
    team_id: np.ndarray
    shift_start: np.ndarray
    shift_end: np.ndarray
    chat: np.ndarray
    """True for agents on chat duty today (else phone)."""
    available: np.ndarray
    """bool[N_SLOTS, agents]: logged in and not in a planned or coaching block."""
    blocks: list[tuple[int, int, int, str]]
    """(agent position, start, end, reason) not-ready intervals for the CTI states."""
    absent_employee: np.ndarray
    absent_login: np.ndarray
    absent_start: np.ndarray
    absent_end: np.ndarray
    schedule_rows: dict[str, list]


def plan_day(wf: Workforce, d: date, seed: int) -> DayPlan:
    """Plan ``d``: 5 working days in 7 per agent, rotating shifts, planned activities."""
    rng = np.random.default_rng([seed, 2, d.toordinal()])
    day0 = local_midnight(d)
    week = d.isocalendar().week
    rows: dict[str, list] = {
        k: [] for k in ("employee_id", "shift_date", "activity", "starts_at", "ends_at")
    }

    def sched(emp_id: str, activity: str, start: int, end: int) -> None:
        rows["employee_id"].append(emp_id)
        rows["shift_date"].append(d)
        rows["activity"].append(activity)
        rows["starts_at"].append(start)
        rows["ends_at"].append(end)

    working = []
    absent = []
    for emp in wf.active_agents(d):
        if (d.toordinal() + emp.idx) % 7 in (0, 1):
            continue
        tenure = (d - emp.current.hire_date).days
        if tenure < ONBOARDING_DAYS:
            start = day0 + 9 * 3600
            sched(emp.employee_id, "shift", start, start + 9 * 3600)
            sched(emp.employee_id, "training", start, start + 9 * 3600)
            continue
        kind = int(np.searchsorted(SHIFT_CUMULATIVE, (emp.idx * 7 + week * 3) % 20, side="right"))
        start = day0 + int(SHIFT_STARTS_H[kind]) * 3600
        u = rng.random(5)
        intern = emp.employment_type == "intern"
        slots = INTERN_SLOTS if intern else SHIFT_SLOTS
        if not intern and kind < 3 and u[4] < OVERTIME_SHARE:
            slots += OVERTIME_SLOTS
        end = start + slots * SLOT_S
        sched(emp.employee_id, "shift", start, end)
        if u[0] < 0.03:
            sched(emp.employee_id, "leave", start, end)
            continue
        if intern:
            planned = [("break", *INTERN_BREAK)]
        else:
            planned = [("break", *BREAK_1), ("lunch", *LUNCH), ("break", *BREAK_2)]
        if u[1] < 0.05:
            planned.append(("training", *TRAINING))
        if u[2] < 0.05:
            planned.append(("meeting", *MEETING))
        for activity, slot, n in sorted(planned, key=lambda p: p[1]):
            sched(emp.employee_id, activity, start + slot * SLOT_S, start + (slot + n) * SLOT_S)
        if u[3] < 0.02:
            absent.append((emp, start, end))
            continue
        if rng.random() < 0.03 and COACHING[0] + COACHING[1] <= slots:
            planned.append(("coaching", *COACHING))
        working.append((emp, start, end, planned))

    n = len(working)
    available = np.zeros((N_SLOTS, n), dtype=bool)
    blocks: list[tuple[int, int, int, str]] = []
    open_s = day0 + OPEN_HOUR * 3600
    for pos, (_emp, start, end, planned) in enumerate(working):
        first = (start - open_s) // SLOT_S
        available[first : first + (end - start) // SLOT_S, pos] = True
        for activity, slot, k in planned:
            available[first + slot : first + slot + k, pos] = False
            blocks.append((pos, start + slot * SLOT_S, start + (slot + k) * SLOT_S, activity))
        if rng.random() < 0.08:
            at = start + int(rng.integers(1, (end - start) // SLOT_S - 1)) * SLOT_S
            at += int(rng.integers(0, 600))
            blocks.append((pos, at, at + int(rng.integers(60, 300)), "system"))
    emps = [w[0] for w in working]
    return DayPlan(
        day0=day0,
        open_s=open_s,
        employee_id=np.array([e.employee_id for e in emps], dtype=object),
        login=np.array([e.login_on(d) for e in emps], dtype=object),
        proficiency=np.array([wf.proficiency(e, d) for e in emps], dtype=float),
        team_id=np.array([e.spell_on(d).team_id for e in emps], dtype=object),
        shift_start=np.array([w[1] for w in working], dtype=np.int64),
        shift_end=np.array([w[2] for w in working], dtype=np.int64),
        chat=np.array([(e.idx + d.toordinal()) % 4 == 0 for e in emps], dtype=bool),
        available=available,
        blocks=blocks,
        absent_employee=np.array([a[0].employee_id for a in absent], dtype=object),
        absent_login=np.array([a[0].login_on(d) for a in absent], dtype=object),
        absent_start=np.array([a[1] for a in absent], dtype=np.int64),
        absent_end=np.array([a[2] for a in absent], dtype=np.int64),
        schedule_rows=rows,
    )
