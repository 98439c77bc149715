"""HR extract frames as of a business date (snapshots) or for it (events)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from synthetic.workforce import SALARY_BANDS, Workforce


def employees(wf: Workforce, d: date) -> pd.DataFrame:
    """The roster as HR sees it on ``d``: everyone hired by then; leavers carry their
    termination (``termination_date`` = last day employed) from that day on."""
    rows = []
    for e in wf.employees:
        started = [j for j in e.employments if j.hire_date <= d]
        if not started:
            continue
        job = started[-1]
        left = job.termination_date is not None and job.termination_date <= d
        rows.append(
            {
                "employee_id": e.employee_id,
                "agent_login": e.login_on(min(d, job.termination_date or d)),
                "full_name": e.full_name,
                "id_card_no": e.id_card_no,
                "mobile_no": e.mobile_no,
                "gender": e.gender,
                "birth_date": e.birth_date,
                "education": e.education,
                "employment_type": e.employment_type,
                "site": e.site,
                "hire_date": job.hire_date,
                "termination_date": job.termination_date if left else None,
                "termination_type": job.termination_type if left else None,
                "termination_reason": job.termination_reason if left else None,
                "status": "terminated" if left else "active",
            }
        )
    return pd.DataFrame(rows)


def job_history(wf: Workforce, d: date) -> pd.DataFrame:
    """Every job spell effective by ``d``; ``effective_to`` is the inclusive last day (the day
    before the next spell, when that is already effective), null for the current spell. A
    ``termination`` spell starts the day after the last day employed."""
    rows = []
    for e in wf.employees:
        spells = [s for s in e.spells if s.effective_from <= d]
        for k, s in enumerate(spells):
            nxt = spells[k + 1].effective_from if k + 1 < len(spells) else None
            rows.append(
                {
                    "employee_id": e.employee_id,
                    "effective_from": s.effective_from,
                    "effective_to": nxt - timedelta(days=1) if nxt else None,
                    "action": s.action,
                    "team_id": s.team_id,
                    "supervisor_id": s.supervisor_id,
                    "job_level": s.job_level,
                    "incentive_role": s.incentive_role,
                    "salary_band": f"{SALARY_BANDS[s.job_level]}-{int(e.employee_id) % 3 + 1}",
                }
            )
    return pd.DataFrame(rows)


def teams(wf: Workforce) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "team_id": t.team_id,
                "team_name": t.team_name,
                "site": t.site,
                "line_of_business": t.line_of_business,
                "leader_employee_id": t.leader_id,
                "created_on": t.created_on,
            }
            for t in wf.teams
        ]
    )


def training(wf: Workforce, d: date) -> pd.DataFrame:
    cols = [
        "employee_id",
        "course_id",
        "course_type",
        "hours",
        "started_on",
        "completed_on",
        "score",
        "passed",
    ]
    rows = [
        (
            r.employee_id,
            r.course_id,
            r.course_type,
            r.hours,
            r.started_on,
            r.completed_on,
            r.score,
            r.passed,
        )
        for r in wf.training
        if r.delivered_on == d
    ]
    return pd.DataFrame(rows, columns=cols)


def incentives(wf: Workforce, d: date) -> pd.DataFrame:
    cols = ["employee_id", "period_month", "incentive_type", "amount_cny", "quality_linked"]
    rows = [
        (r.employee_id, r.period_month, r.incentive_type, r.amount_cny, r.quality_linked)
        for r in wf.incentives
        if r.delivered_on == d
    ]
    return pd.DataFrame(rows, columns=cols)
