"""One simulated contact centre: runs the day-by-day simulation and yields, for every
business date, the frames of every entity of every source (internal representation)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd

from orchestration.contract import ENTITIES
from synthetic import contacts, crm, surveys
from synthetic.schedules import local_midnight, plan_day
from synthetic.workforce import Workforce

CALLS_PER_AGENT = 8000 / 300
CHATS_PER_AGENT = 3000 / 300
OTHER_TICKETS_PER_AGENT = 900 / 300
TICKET_FROM_CALL, TICKET_FROM_CHAT = 0.15, 0.15
QA_PER_WORKDAY = 6 / 21.7
CSI_PER_AGENT = 500 / 300


def _local_date(secs: np.ndarray) -> np.ndarray:
    return ((np.asarray(secs, dtype=np.int64) + 8 * 3600) // 86400).astype("datetime64[D]")


class World:
    """The whole simulation for ``days`` days from ``start``."""

    def __init__(self, start: date, days: int, agents: int, seed: int) -> None:
        self.start, self.days, self.agents, self.seed = start, days, agents, seed
        self.end = start + timedelta(days=days - 1)
        self.workforce = Workforce(start, self.end, agents, seed)
        self.customers = crm.Customers(seed, agents, start)
        self.distributors = crm.distributors(seed)
        self.buffers: dict[str, dict[date, list[pd.DataFrame]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.ticket_seq = 0

    def _buffer(self, entity: str, frame: pd.DataFrame, when: np.ndarray) -> None:
        """Hold rows until their delivery date (local date of ``when``)."""
        if not len(frame):
            return
        days = _local_date(when)
        order = np.argsort(days, kind="stable")
        days = days[order]
        frame = frame.take(order)
        bounds = np.flatnonzero(days[1:] != days[:-1]) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(days)], strict=True):
            d = days[lo].astype(date)
            if d <= self.end:
                self.buffers[entity][d].append(frame.iloc[lo:hi])

    def _take(self, entity: str, d: date, columns: list[str]) -> pd.DataFrame:
        parts = self.buffers[entity].pop(d, [])
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)

    def days_iter(self) -> Iterator[tuple[date, dict[tuple[str, str], pd.DataFrame]]]:
        for offset in range(self.days):
            d = self.start + timedelta(days=offset)
            yield d, self.simulate(d)

    # ----------------------------------------------------------------- a day
    def simulate(self, d: date) -> dict[tuple[str, str], pd.DataFrame]:
        rng = np.random.default_rng([self.seed, 5, d.toordinal()])
        wf = self.workforce
        plan = plan_day(wf, d, self.seed)
        scale = self.agents * (0.88 if d.weekday() >= 5 else 1.0) * rng.lognormal(0, 0.04)
        calls = contacts.route_calls(rng, plan, d, int(rng.poisson(CALLS_PER_AGENT * scale)))
        chats = contacts.route_chats(rng, plan, d, int(rng.poisson(CHATS_PER_AGENT * scale)))
        states = contacts.agent_states(plan, calls, chats, rng)
        out: dict[tuple[str, str], pd.DataFrame] = {}

        # customers behind the calls (one per call, 85 % matched by caller number) and chats
        call_idx = calls["call_index"].to_numpy()
        n_calls = int(call_idx.max()) + 1 if len(calls) else 0
        who_call = self.customers.pick(d, n_calls)
        matched = rng.random(n_calls) < 0.85
        call_cust = np.where(matched, self.customers.ids[who_call], None)
        landline = np.char.add("0", rng.integers(10**9, 10**10, n_calls).astype(str)).astype(object)
        ani = np.where(matched, self.customers.mobiles[who_call], landline)
        calls["customer_id"] = call_cust[call_idx]
        calls["ani"] = ani[call_idx]
        pos = calls["agent_pos"].to_numpy()
        calls["agent_login"] = np.where(pos >= 0, plan.login[np.maximum(pos, 0)], None)
        calls["answered_at"] = calls["answered_at"].where(calls["answered_at"] >= 0, -1)
        out[("telephony", "calls")] = calls
        out[("telephony", "agent_states")] = states
        out[("telephony", "queues")] = pd.DataFrame(
            [
                (q, name, line, contacts.SL_THRESHOLD_S, contacts.SHORT_ABANDON_S, 8, 22)
                for q, name, line, _ in contacts.QUEUES
            ],
            columns=[
                "queue_id",
                "queue_name",
                "product_line",
                "sl_threshold_s",
                "short_abandon_s",
                "open_hour",
                "close_hour",
            ],
        )

        who_chat = self.customers.pick(d, len(chats))
        chats["customer_id"] = self.customers.ids[who_chat]
        cpos = chats["agent_pos"].to_numpy()
        chats["agent_id"] = np.where(cpos >= 0, plan.employee_id[np.maximum(cpos, 0)], None)
        out[("crm", "chat_sessions")] = chats

        # handled contacts: resolution (drives repeats, FCR and CSAT)
        handled = calls[calls["agent_pos"] >= 0]
        last_leg = handled.sort_values("segment_no").groupby("call_id", sort=False).tail(1)
        lq = plan.proficiency[last_leg["agent_pos"].to_numpy()]
        l_resolved = rng.random(len(last_leg)) < contacts.sigmoid(1.3 + 0.7 * lq)
        ci = last_leg["call_index"].to_numpy()
        l_who = np.where(matched[ci], who_call[ci], -1).astype(np.int64)
        hchats = chats[chats["outcome"] == "handled"]
        cq = plan.proficiency[hchats["agent_pos"].to_numpy()]
        c_resolved = rng.random(len(hchats)) < contacts.sigmoid(1.2 + 0.7 * cq)
        self.customers.schedule_repeats(
            d,
            np.concatenate([l_who, who_chat[hchats.index.to_numpy()]]),
            np.concatenate([l_resolved, c_resolved]),
        )

        # tickets: from calls, chats, and email / social / app
        tc = rng.random(len(last_leg)) < TICKET_FROM_CALL
        th = rng.random(len(hchats)) < TICKET_FROM_CHAT
        n_other = int(rng.poisson(OTHER_TICKETS_PER_AGENT * scale))
        present = (
            np.flatnonzero(~plan.chat) if (~plan.chat).any() else np.arange(len(plan.employee_id))
        )
        other_pos = rng.choice(present, n_other) if len(present) else np.zeros(0, dtype=int)
        other_created = local_midnight(d) + rng.integers(0, 86400, n_other)
        other_cust = self.customers.ids[self.customers.pick(d, n_other)]
        lead = last_leg[tc]
        chat_t = hchats[th]
        channel = np.concatenate(
            [
                np.full(tc.sum(), "phone", dtype=object),
                np.full(th.sum(), "chat", dtype=object),
                rng.choice(
                    np.array(["email", "social", "app"], dtype=object), n_other, p=[0.4, 0.25, 0.35]
                ),
            ]
        )
        t_pos = np.concatenate(
            [lead["agent_pos"].to_numpy(), chat_t["agent_pos"].to_numpy(), other_pos]
        ).astype(int)
        static, events = crm.ticket_lifecycles(
            rng,
            d,
            self.ticket_seq,
            channel=channel,
            created=np.concatenate(
                [lead["ended_at"].to_numpy(), chat_t["ended_at"].to_numpy(), other_created]
            ).astype(np.int64),
            customer_id=np.concatenate(
                [lead["customer_id"].to_numpy(), chat_t["customer_id"].to_numpy(), other_cust]
            ),
            assignee=plan.employee_id[t_pos] if len(t_pos) else np.zeros(0, dtype=object),
            proficiency=plan.proficiency[t_pos] if len(t_pos) else np.zeros(0),
            origin_call=np.concatenate(
                [lead["call_id"].to_numpy(), np.full(len(chat_t) + n_other, None, dtype=object)]
            ),
            origin_chat=np.concatenate(
                [
                    np.full(len(lead), None, dtype=object),
                    chat_t["chat_id"].to_numpy(),
                    np.full(n_other, None, dtype=object),
                ]
            ),
            complaint_boost=np.concatenate(
                [
                    np.where(lead["queue_id"].to_numpy() == "Q_COMPLAINT", 0.3, 0.0),
                    np.zeros(len(chat_t) + n_other),
                ]
            ),
        )
        self.ticket_seq += len(static)
        ev = events.assign(day=_local_date(events["at"]))
        ev = ev.sort_values(["t", "at"], kind="stable").groupby(["t", "day"], sort=False).tail(1)
        rows = static.iloc[ev["t"].to_numpy()].reset_index(drop=True)
        at = ev["at"].to_numpy()
        rows["status"] = ev["status"].to_numpy()
        rows["reopen_count"] = ev["reopen_count"].to_numpy()
        rows["updated_at"] = at
        rows["first_reply_at"] = np.where(rows["first_reply_at"] <= at, rows["first_reply_at"], -1)
        rows["resolved_at"] = ev["resolved_at"].to_numpy()
        rows["closed_at"] = np.where(rows["closed_final"] <= at, rows["closed_final"], -1)
        self._buffer("tickets", rows, at)
        out[("crm", "tickets")] = self._take("tickets", d, list(rows.columns))

        # post-contact surveys (delivered on the response date)
        emp = plan.employee_id
        frames = [
            (
                surveys.post_contact(
                    rng,
                    "call",
                    last_leg["call_id"].to_numpy(),
                    last_leg["customer_id"].to_numpy(),
                    emp[last_leg["agent_pos"].to_numpy()],
                    (last_leg["ended_at"] + last_leg["acw_s"]).to_numpy(),
                    lq,
                    l_resolved,
                    f"PC{d:%Y%m%d}1",
                )
            ),
            (
                surveys.post_contact(
                    rng,
                    "chat",
                    hchats["chat_id"].to_numpy(),
                    hchats["customer_id"].to_numpy(),
                    emp[hchats["agent_pos"].to_numpy()],
                    hchats["ended_at"].to_numpy(),
                    cq,
                    c_resolved,
                    f"PC{d:%Y%m%d}2",
                )
            ),
        ]
        other = static[~np.isin(static["channel"], ["phone", "chat"])]
        oq = plan.proficiency[t_pos[other.index.to_numpy()]] if len(other) else np.zeros(0)
        frames.append(
            surveys.post_contact(
                rng,
                "ticket",
                other["ticket_id"].to_numpy(),
                other["customer_id"].to_numpy(),
                other["assignee_agent_id"].to_numpy(),
                other["resolved_final"].to_numpy(),
                oq,
                rng.random(len(other)) < contacts.sigmoid(1.0 + 0.7 * oq),
                f"PC{d:%Y%m%d}3",
            )
        )
        for f in frames:
            self._buffer("post_contact", f, f["responded_at"].to_numpy())
        out[("survey", "post_contact")] = self._take("post_contact", d, list(frames[0].columns))

        # QA: ~6 evaluations per agent per month, of a contact they handled today
        qa = self._qa_sample(rng, d, plan, handled, hchats)
        self._buffer("qa_evaluations", qa, qa["evaluated_at"].to_numpy())
        out[("survey", "qa_evaluations")] = self._take("qa_evaluations", d, list(qa.columns))
        out[("survey", "qa_forms")] = surveys.qa_form()
        out[("survey", "csi")] = self._csi(rng, d, plan)
        out[("survey", "employee_pulse")] = self._pulse(rng, d)

        out[("crm", "customers")] = self.customers.changes(d)
        out[("crm", "distributors")] = self.distributors
        out.update(self._hr(d, plan))
        missing = {(e.source, e.name) for e in ENTITIES} - set(out)
        if missing:
            raise RuntimeError(f"simulation produced no frame for {sorted(missing)}")
        return out

    def _qa_sample(self, rng, d, plan, handled: pd.DataFrame, hchats: pd.DataFrame) -> pd.DataFrame:
        wf = self.workforce
        picks = []
        for src, kind, key in ((handled, "call", "call_id"), (hchats, "chat", "chat_id")):
            if not len(src):
                continue
            # one random contact per agent: the agent's first in a shuffled order
            shuffled = rng.permutation(len(src))
            agents = src["agent_pos"].to_numpy()[shuffled]
            _, first_at = np.unique(agents, return_index=True)
            first = shuffled[np.sort(first_at)]
            first = first[rng.random(len(first)) < QA_PER_WORKDAY]
            picks.append(
                pd.DataFrame(
                    {
                        "pos": src["agent_pos"].to_numpy()[first],
                        "kind": kind,
                        "id": src[key].to_numpy()[first],
                    }
                )
            )
        p = (
            pd.concat(picks, ignore_index=True)
            if picks
            else pd.DataFrame({"pos": [], "kind": [], "id": []})
        )
        pos = p["pos"].to_numpy().astype(int)
        team = plan.team_id[pos]
        teams = {t.team_id: t for t in wf.teams}
        evaluator = np.array([teams[t].leader_id if t else None for t in team], dtype=object)
        peer = rng.random(len(pos)) < 0.1
        evaluator = np.where(
            peer,
            plan.employee_id[rng.integers(0, len(plan.employee_id), len(pos))]
            if len(pos)
            else evaluator,
            evaluator,
        )
        evaluator = np.where(
            evaluator == plan.employee_id[pos],
            np.array([teams[t].supervisor_id for t in team], dtype=object),
            evaluator,
        )
        return surveys.qa_evaluations(
            rng,
            d,
            p["kind"].to_numpy(),
            p["id"].to_numpy(),
            plan.employee_id[pos],
            evaluator,
            plan.proficiency[pos],
        )

    def _csi(self, rng, d: date, plan) -> pd.DataFrame:
        if surveys.csi_wave(d) is None:
            return surveys.csi_responses(rng, d, 0, self.customers.frame, 0.0)
        month_days = (
            (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        ).day
        n = int(rng.poisson(max(30.0, CSI_PER_AGENT * self.agents) / month_days))
        return surveys.csi_responses(
            rng,
            d,
            n,
            self.customers.frame,
            float(np.mean(plan.proficiency)) if len(plan.proficiency) else 0.0,
        )

    def _pulse(self, rng, d: date) -> pd.DataFrame:
        wf = self.workforce
        wave = surveys.pulse_wave(d)
        teams, pressure, prof = [], [], []
        if wave is not None:
            window_start = d.replace(day=15 if d.month == 6 else 8)
            for e in wf.active_agents(d):
                answers, day = surveys.pulse_day(self.seed, wave, e.idx)
                if answers and day == (d - window_start).days:
                    t = e.spell_on(d).team_id
                    teams.append(t)
                    pressure.append(wf.team_of(t).pressure)
                    prof.append(wf.proficiency(e, d))
        return surveys.pulse_responses(
            rng, d, wave or "", np.array(teams, dtype=object), np.array(pressure), np.array(prof)
        )

    def _hr(self, d: date, plan) -> dict[tuple[str, str], pd.DataFrame]:
        from synthetic import hr_tables

        wf = self.workforce
        return {
            ("hr", "employees"): hr_tables.employees(wf, d),
            ("hr", "job_history"): hr_tables.job_history(wf, d),
            ("hr", "teams"): hr_tables.teams(wf),
            ("hr", "training"): hr_tables.training(wf, d),
            ("hr", "incentives"): hr_tables.incentives(wf, d),
            ("hr", "schedules"): pd.DataFrame(plan.schedule_rows),
        }
