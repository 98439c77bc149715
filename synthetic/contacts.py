"""Telephony and chat of one day: arrivals, queueing, routing to the agents on shift, talk /
hold / after-call work, transfers, abandons and callbacks, and the CTI agent states.

Times are epoch seconds (UTC) throughout; rendering to each source's format happens later.
"""

from __future__ import annotations

import heapq
from datetime import date

import numpy as np
import pandas as pd

from synthetic.schedules import N_SLOTS, SLOT_S, DayPlan

INF = np.int64(2**62)
QUEUES: tuple[tuple[str, str, str, float], ...] = (
    ("Q_SIM", "号卡业务", "sim", 0.18),
    ("Q_4G", "4G业务", "4g", 0.17),
    ("Q_5G", "5G业务", "5g", 0.20),
    ("Q_BB", "宽带业务", "broadband", 0.17),
    ("Q_PORT", "携号转网", "sim", 0.08),
    ("Q_BILL", "话费账单", "4g", 0.12),
    ("Q_VIP", "VIP专席", "5g", 0.05),
    ("Q_COMPLAINT", "投诉专席", "sim", 0.03),
)
QUEUE_IDS = np.array([q[0] for q in QUEUES], dtype=object)
QUEUE_P = np.array([q[3] for q in QUEUES]) / sum(q[3] for q in QUEUES)
CHAT_QUEUES = np.array(["CHAT_GENERAL", "CHAT_5G", "CHAT_BROADBAND"], dtype=object)
SL_THRESHOLD_S, SHORT_ABANDON_S = 20, 5
P_ABANDON, P_CALLBACK, P_FLOWOUT, P_TRANSFER = 0.055, 0.012, 0.005, 0.07


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-x))


def _arrivals(rng: np.random.Generator, plan: DayPlan, n: int, mask: np.ndarray) -> np.ndarray:
    """``n`` sorted arrival times, intensity following the staffed availability per slot."""
    weight = plan.available[:, mask].sum(axis=1).astype(float)
    if weight.sum() == 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    weight *= rng.lognormal(0, 0.1, N_SLOTS)
    slots = rng.choice(N_SLOTS, n, p=weight / weight.sum())
    return np.sort(plan.open_s + slots * SLOT_S + rng.integers(0, SLOT_S, n)).astype(np.int64)


def route_calls(rng: np.random.Generator, plan: DayPlan, d: date, n_calls: int) -> pd.DataFrame:
    """Simulate the inbound calls of a day (plus transfer legs and outbound callbacks).

    Returns one row per segment with ``agent_pos`` (index into the plan, -1 if none).
    """
    phone = ~plan.chat
    enq = _arrivals(rng, plan, n_calls, phone)
    n = len(enq)
    u = rng.random(n)
    fate = np.select(
        [u < P_ABANDON, u < P_ABANDON + P_CALLBACK, u < P_ABANDON + P_CALLBACK + P_FLOWOUT],
        ["abandoned", "callback", "flowout"],
        "queue",
    )
    queue = rng.choice(QUEUE_IDS, n, p=QUEUE_P)
    target_wait = np.where(rng.random(n) < 0.6, 0, rng.exponential(20, n)).astype(np.int64)
    short = rng.random(n) < 0.3
    give_up = np.where(
        short, rng.integers(1, SHORT_ABANDON_S + 1, n), 6 + rng.lognormal(np.log(35), 0.8, n)
    )
    give_up = np.minimum(give_up, 1200).astype(np.int64)

    avail = plan.available & phone[None, :]
    q = plan.proficiency
    free_at = np.full(len(q), -INF, dtype=np.int64)
    tag = f"C{d:%Y%m%d}"
    rows: list[tuple] = []
    heap: list[tuple[int, int, int, int, str, int]] = []
    # (time, order, call index, segment, queue, target wait); order keeps it deterministic
    for i in range(n):
        if fate[i] == "queue":
            heap.append((int(enq[i]), i, i, 1, str(queue[i]), int(target_wait[i])))
    heapq.heapify(heap)
    for i in np.flatnonzero(fate != "queue"):
        wait = int(give_up[i]) if fate[i] == "abandoned" else int(rng.integers(40, 150))
        rows.append(
            (
                f"{tag}{i:06d}",
                1,
                "inbound",
                i,
                queue[i],
                -1,
                enq[i],
                -1,
                enq[i] + wait,
                0,
                0,
                0,
                0,
                fate[i],
                None,
            )
        )
        if fate[i] == "callback":
            at = int(enq[i]) + wait + int(rng.integers(600, 3600))
            heapq.heappush(heap, (at, n + i, i, 0, str(queue[i]), 0))
    extra = rng.random((n * 2 + 10, 6))
    k = 0
    while heap:
        t, order, i, seg, qid, tw = heapq.heappop(heap)
        z = extra[k % len(extra)]
        k += 1
        ring = 2 + int(z[0] * 7)
        slot = min(max((t + tw - plan.open_s) // SLOT_S, 0), N_SLOTS - 1)
        cand = np.where(avail[slot], free_at, INF)
        a = int(np.argmin(cand))
        if cand[a] == INF:
            if seg >= 1:
                rows.append(
                    (
                        f"{tag}{i:06d}",
                        seg,
                        "inbound",
                        i,
                        qid,
                        -1,
                        t,
                        -1,
                        t + 30,
                        0,
                        0,
                        0,
                        0,
                        "abandoned",
                        None,
                    )
                )
            continue
        ans = max(t + tw + ring, int(cand[a]) + ring)
        if seg >= 1 and ans - t > 900:
            rows.append(
                (
                    f"{tag}{i:06d}",
                    seg,
                    "inbound",
                    i,
                    qid,
                    -1,
                    t,
                    -1,
                    t + int(give_up[i]) + 60,
                    0,
                    0,
                    0,
                    0,
                    "abandoned",
                    None,
                )
            )
            continue
        talk = int(min(np.exp(np.log(250) - 0.18 * q[a] + 0.6 * _norm(z[1])), 7200))
        hold = int(np.exp(np.log(45) + 0.5 * _norm(z[3]))) if z[2] < 0.25 - 0.05 * q[a] else 0
        acw = int(12 + np.exp(np.log(22) - 0.25 * q[a] + 0.5 * _norm(z[4])))
        end = ans + talk + hold
        free_at[a] = end + acw + 1 + int(z[5] * 8)
        if seg == 0:
            call_id, direction, seg_no = f"{tag}9{i:05d}", "outbound", 1
        else:
            call_id, direction, seg_no = f"{tag}{i:06d}", "inbound", seg
        transfer = seg == 1 and z[5] < P_TRANSFER
        to_queue = str(rng.choice(QUEUE_IDS[qid != QUEUE_IDS])) if transfer else None
        rows.append(
            (
                call_id,
                seg_no,
                direction,
                i,
                qid,
                a,
                t,
                ans,
                end,
                ring,
                talk,
                hold,
                acw,
                "transferred" if transfer else "answered",
                to_queue,
            )
        )
        if transfer:
            heapq.heappush(heap, (end, order + 3 * n, i, 2, to_queue, int(rng.exponential(10))))
    cols = [
        "call_id",
        "segment_no",
        "direction",
        "call_index",
        "queue_id",
        "agent_pos",
        "enqueued_at",
        "answered_at",
        "ended_at",
        "ring_s",
        "talk_s",
        "hold_s",
        "acw_s",
        "disposition",
        "transfer_to_queue",
    ]
    calls = pd.DataFrame(rows, columns=cols)
    return calls.sort_values(["enqueued_at", "call_id", "segment_no"], kind="stable").reset_index(
        drop=True
    )


def _norm(u: float) -> float:
    """A cheap standard-normal draw from a uniform (logistic approximation)."""
    u = min(max(u, 1e-6), 1 - 1e-6)
    return float(np.log(u / (1 - u)) * 0.5513)


def route_chats(rng: np.random.Generator, plan: DayPlan, d: date, n_chats: int) -> pd.DataFrame:
    """Online chats: bot-resolved, abandoned or handled by a chat agent in one of 3 slots."""
    req = _arrivals(rng, plan, n_chats, plan.chat)
    n = len(req)
    u = rng.random(n)
    outcome = np.where(u < 0.15, "bot_resolved", np.where(u < 0.21, "abandoned", "handled")).astype(
        object
    )
    avail = plan.available & plan.chat[None, :]
    free = np.full((len(plan.proficiency), 3), -INF, dtype=np.int64)
    agent = np.full(n, -1)
    slot_no = np.zeros(n, dtype=int)
    first = np.full(n, -1, dtype=np.int64)
    ended = req + np.where(
        outcome == "bot_resolved", rng.integers(60, 400, n), rng.integers(30, 300, n)
    )
    target = np.where(rng.random(n) < 0.5, 0, rng.exponential(30, n)).astype(np.int64)
    dur_z = rng.normal(0, 0.6, n)
    for i in np.flatnonzero(outcome == "handled"):
        slot = min(max((req[i] + target[i] - plan.open_s) // SLOT_S, 0), N_SLOTS - 1)
        cand = np.where(avail[slot][:, None], free, INF)
        flat = int(np.argmin(cand))
        a, s = divmod(flat, 3)
        if cand[a, s] == INF:
            outcome[i] = "abandoned"
            continue
        start = max(int(req[i] + target[i]), int(cand[a, s])) + 5
        dur = int(min(np.exp(np.log(540) - 0.2 * plan.proficiency[a] + dur_z[i]), 5400))
        agent[i], slot_no[i], first[i], ended[i] = a, s + 1, start, start + dur
        free[a, s] = start + dur + 5
    dur_min = np.maximum(ended - req, 0) / 60
    handled = agent >= 0
    return pd.DataFrame(
        {
            "chat_id": [f"W{d:%Y%m%d}{i:06d}" for i in range(n)],
            "channel": rng.choice(
                np.array(["app", "wechat", "web"], dtype=object), n, p=[0.45, 0.4, 0.15]
            ),
            "queue_id": rng.choice(CHAT_QUEUES, n, p=[0.6, 0.25, 0.15]),
            "agent_pos": agent,
            "requested_at": req,
            "first_agent_msg_at": first,
            "ended_at": ended,
            "customer_msgs": (1 + rng.poisson(np.where(handled, dur_min * 0.9, 1.5))).astype(int),
            "agent_msgs": np.where(handled, 1 + rng.poisson(dur_min * 0.8), 0).astype(int),
            "concurrency_slot": np.where(handled, slot_no, np.nan),
            "outcome": outcome,
        }
    )


def agent_states(
    plan: DayPlan, calls: pd.DataFrame, chats: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """CTI state intervals for every scheduled agent, consistent with the calls they took.

    Busy intervals (talking, hold, after-call work; merged chat time) and planned not-ready
    blocks are laid on the agent's timeline in start order, a later interval starting no
    earlier than the end of the previous ones; gaps are ``ready``; a ``logged_out`` row
    (open, no end) follows the last activity. Absent agents get one ``logged_out`` row
    covering their scheduled shift.
    """
    parts = []
    handled = calls[calls["agent_pos"] >= 0]
    ans = handled["answered_at"].to_numpy()
    talk_end = ans + handled["talk_s"].to_numpy()
    end = handled["ended_at"].to_numpy()
    pos = handled["agent_pos"].to_numpy()
    parts.append(
        pd.DataFrame(
            {"pos": pos, "start": ans, "end": talk_end, "state": "talking", "reason": None}
        )
    )
    held = handled["hold_s"].to_numpy() > 0
    parts.append(
        pd.DataFrame(
            {
                "pos": pos[held],
                "start": talk_end[held],
                "end": end[held],
                "state": "hold",
                "reason": None,
            }
        )
    )
    parts.append(
        pd.DataFrame(
            {
                "pos": pos,
                "start": end,
                "end": end + handled["acw_s"].to_numpy(),
                "state": "acw",
                "reason": None,
            }
        )
    )
    served = chats[chats["agent_pos"] >= 0].sort_values(["agent_pos", "first_agent_msg_at"])
    if len(served):
        s, e, p = (served[c].to_numpy() for c in ("first_agent_msg_at", "ended_at", "agent_pos"))
        run_end = pd.Series(e).groupby(p).cummax().to_numpy()
        new = np.ones(len(s), dtype=bool)
        new[1:] = (p[1:] != p[:-1]) | (s[1:] > run_end[:-1])
        group = np.cumsum(new)
        merged = (
            pd.DataFrame({"pos": p, "start": s, "end": run_end, "g": group})
            .groupby("g")
            .agg(pos=("pos", "first"), start=("start", "min"), end=("end", "max"))
        )
        merged["state"], merged["reason"] = "talking", None
        parts.append(merged.reset_index(drop=True))
    if plan.blocks:
        b = pd.DataFrame(plan.blocks, columns=["pos", "start", "end", "reason"])
        b["state"] = "not_ready"
        parts.append(b)
    iv = pd.concat(parts, ignore_index=True)
    iv = iv.sort_values(["pos", "start", "end"], kind="stable").reset_index(drop=True)
    cummax_end = iv.groupby("pos")["end"].cummax()
    prev = cummax_end.groupby(iv["pos"]).shift(1)
    iv["start"] = np.where(
        prev.notna(), np.maximum(iv["start"], prev.fillna(0)), iv["start"]
    ).astype(np.int64)
    iv["end"] = cummax_end.astype(np.int64)
    iv = iv[iv["end"] > iv["start"]].reset_index(drop=True)

    late = rng.integers(0, 240, len(plan.shift_start)) * (rng.random(len(plan.shift_start)) < 0.3)
    first_start = iv.groupby("pos")["start"].min().reindex(range(len(plan.shift_start)))
    login = np.minimum(plan.shift_start + late, first_start.fillna(INF).to_numpy()).astype(np.int64)
    last_end = iv.groupby("pos")["end"].max().reindex(range(len(plan.shift_start)))
    logout = np.maximum(plan.shift_end, last_end.fillna(0).to_numpy()).astype(np.int64)

    prev_end = iv.groupby("pos")["end"].shift(1)
    prev_end = np.where(prev_end.notna(), prev_end.fillna(0), login[iv["pos"].to_numpy()]).astype(
        np.int64
    )
    gap = iv["start"].to_numpy() > prev_end
    ready = pd.DataFrame(
        {
            "pos": iv["pos"][gap],
            "start": prev_end[gap],
            "end": iv["start"][gap],
            "state": "ready",
            "reason": None,
        }
    )
    tail_start = np.maximum(last_end.fillna(0).to_numpy().astype(np.int64), login)
    tail = pd.DataFrame(
        {
            "pos": np.arange(len(login)),
            "start": tail_start,
            "end": logout,
            "state": "ready",
            "reason": None,
        }
    )
    tail = tail[tail["end"] > tail["start"]]
    out = pd.DataFrame(
        {
            "pos": np.arange(len(login)),
            "start": logout,
            "end": -1,
            "state": "logged_out",
            "reason": None,
        }
    )
    states = pd.concat([iv, ready, tail, out], ignore_index=True)
    states["agent_login"] = plan.login[states["pos"].to_numpy()]
    absent = pd.DataFrame(
        {
            "agent_login": plan.absent_login,
            "start": plan.absent_start,
            "end": plan.absent_end,
            "state": "logged_out",
            "reason": None,
        }
    )
    states = pd.concat([states.drop(columns=["pos"]), absent], ignore_index=True)
    states = states.rename(
        columns={"start": "started_at", "end": "ended_at", "reason": "reason_code"}
    )
    states = states.sort_values(["agent_login", "started_at"], kind="stable").reset_index(drop=True)
    return states[["agent_login", "state", "reason_code", "started_at", "ended_at"]]
