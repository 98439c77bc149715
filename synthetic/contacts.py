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


def _slot_agents(available: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """Per 15-minute slot, the positions of the ``mask`` agents available in it."""
    return [np.flatnonzero(row & mask) for row in available]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded ``numbers`` (object array of str)."""
    if len(numbers) == 0:  # np.strings.zfill fails on an empty array (a quiet day)
        return np.empty(0, dtype=object)
    text = np.strings.zfill(np.asarray(numbers, dtype=np.int64).astype(str), width)
    return np.strings.add(prefix, text).astype(object)


CALL_COLUMNS = (
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
)
DISPOSITIONS = np.array(
    ["answered", "transferred", "abandoned", "callback", "flowout"], dtype=object
)
ANSWERED, TRANSFERRED, ABANDONED, CALLBACK, FLOWOUT = range(5)


def route_calls(rng: np.random.Generator, plan: DayPlan, d: date, n_calls: int) -> pd.DataFrame:
    """Simulate the inbound calls of a day (plus transfer legs and outbound callbacks).

    An event loop in arrival order gives each queued call to the available phone agent who
    has been free longest (or will be free soonest); every random draw is made up front,
    vectorised, so the loop only does the assignment. Returns one row per segment with
    ``agent_pos`` (index into the plan, -1 if none).
    """
    phone = ~plan.chat
    enq = _arrivals(rng, plan, n_calls, phone)
    n = len(enq)
    u = rng.random(n)
    fate = np.select(
        [u < P_ABANDON, u < P_ABANDON + P_CALLBACK, u < P_ABANDON + P_CALLBACK + P_FLOWOUT],
        [ABANDONED, CALLBACK, FLOWOUT],
        -1,
    )
    queue = rng.choice(len(QUEUES), n, p=QUEUE_P)
    target_wait = np.where(rng.random(n) < 0.6, 0, rng.exponential(20, n)).astype(np.int64)
    short = rng.random(n) < 0.3
    give_up = np.where(
        short, rng.integers(1, SHORT_ABANDON_S + 1, n), 6 + rng.lognormal(np.log(35), 0.8, n)
    )
    give_up = np.minimum(give_up, 1200).astype(np.int64)
    # calls that never reach an agent: abandoned in the IVR/queue, callback requests, flowouts
    early = np.flatnonzero(fate >= 0)
    early_wait = np.where(
        fate[early] == ABANDONED, give_up[early], rng.integers(40, 150, len(early))
    )
    is_callback = fate[early] == CALLBACK
    callbacks = early[is_callback]
    callback_at = enq[callbacks] + early_wait[is_callback] + rng.integers(600, 3600, len(callbacks))

    # per-leg draws (row 0: the first / outbound leg, row 1: a transfer leg)
    ring = 2 + (rng.random((2, n)) * 7).astype(np.int64)
    talk_base = np.exp(np.log(250) + 0.6 * rng.standard_normal((2, n)))
    hold_u = rng.random((2, n))
    hold_len = np.exp(np.log(45) + 0.5 * rng.standard_normal((2, n))).astype(np.int64)
    acw_base = np.exp(np.log(22) + 0.5 * rng.standard_normal((2, n)))
    wrap = rng.integers(1, 9, (2, n))
    transfer = rng.random(n) < P_TRANSFER
    other = rng.integers(0, len(QUEUES) - 1, n)
    to_queue = other + (other >= queue)
    transfer_wait = rng.exponential(10, n).astype(np.int64)

    q = plan.proficiency
    talk_k, acw_k = np.exp(-0.18 * q).tolist(), np.exp(-0.25 * q).tolist()
    hold_p = (0.25 - 0.05 * q).tolist()
    slots = [a.tolist() for a in _slot_agents(plan.available, phone)]
    free_at = [int(-INF)] * len(q)
    # event heap: (time, order, call index, segment, queue, target wait); segment 0 = callback
    heap = [
        (t, i, i, 1, qi, tw)
        for i, (t, qi, tw, f) in enumerate(
            zip(enq.tolist(), queue.tolist(), target_wait.tolist(), fate.tolist(), strict=True)
        )
        if f < 0
    ]
    heap += [
        (t, n + i, i, 0, int(queue[i]), 0)
        for i, t in zip(callbacks.tolist(), callback_at.tolist(), strict=True)
    ]
    heapq.heapify(heap)
    ring_l, talk_l, hold_u_l, hold_l = (
        ring.tolist(),
        talk_base.tolist(),
        hold_u.tolist(),
        hold_len.tolist(),
    )
    acw_l, wrap_l = acw_base.tolist(), wrap.tolist()
    give_up_l, transfer_l, to_queue_l = give_up.tolist(), transfer.tolist(), to_queue.tolist()
    transfer_wait_l = transfer_wait.tolist()
    open_s, last_slot = plan.open_s, N_SLOTS - 1
    out: list[tuple[int, int, int, int, int, int, int, int, int, int, int, int]] = []
    # (call index, segment, queue, agent, enqueued, answered, ended, ring, talk, hold, acw, disp)
    pool: list[tuple[int, int]] = []
    pool_slot = -1
    # pool: (free from, agent) of the slot's available agents, a heap kept in step with
    # free_at; its head is the agent free longest (lowest position on ties)
    while heap:
        t, order, i, seg, qi, tw = heapq.heappop(heap)
        leg = 1 if seg == 2 else 0
        slot = min(max((t + tw - open_s) // SLOT_S, 0), last_slot)
        if slot != pool_slot:
            pool = [(free_at[a], a) for a in slots[slot]]
            heapq.heapify(pool)
            pool_slot = slot
        if not pool:
            if seg >= 1:
                out.append((i, seg, qi, -1, t, -1, t + 30, 0, 0, 0, 0, ABANDONED))
            continue
        free, a = pool[0]
        r = ring_l[leg][i]
        ans = max(t + tw + r, free + r)
        if seg >= 1 and ans - t > 900:
            out.append((i, seg, qi, -1, t, -1, t + give_up_l[i] + 60, 0, 0, 0, 0, ABANDONED))
            continue
        talk = int(min(talk_l[leg][i] * talk_k[a], 7200))
        hold = hold_l[leg][i] if hold_u_l[leg][i] < hold_p[a] else 0
        acw = int(12 + acw_l[leg][i] * acw_k[a])
        end = ans + talk + hold
        moved = seg == 1 and transfer_l[i]
        free_at[a] = end + acw + (1 if moved else wrap_l[leg][i])
        heapq.heapreplace(pool, (free_at[a], a))
        out.append(
            (i, seg, qi, a, t, ans, end, r, talk, hold, acw, TRANSFERRED if moved else ANSWERED)
        )
        if moved:
            heapq.heappush(heap, (end, order + 3 * n, i, 2, to_queue_l[i], transfer_wait_l[i]))

    routed = np.array(out, dtype=np.int64).reshape(-1, 12)
    unrouted = np.zeros((len(early), 12), dtype=np.int64)
    unrouted[:, 0], unrouted[:, 1], unrouted[:, 2] = early, 1, queue[early]
    unrouted[:, 3], unrouted[:, 4], unrouted[:, 5] = -1, enq[early], -1
    unrouted[:, 6], unrouted[:, 11] = enq[early] + early_wait, fate[early]
    rows = np.concatenate([unrouted, routed])
    # order of (enqueued_at, call_id, segment_no): outbound ids (tag + "9") sort after inbound
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0], rows[:, 1] == 0, rows[:, 4]))]
    idx, seg, disp = rows[:, 0], rows[:, 1], rows[:, 11]
    tag = f"C{d:%Y%m%d}"
    inbound = seg >= 1
    return pd.DataFrame(
        {
            "call_id": np.where(inbound, _ids(tag, idx, 6), _ids(f"{tag}9", idx, 5)),
            "segment_no": np.maximum(seg, 1),
            "direction": np.where(inbound, "inbound", "outbound").astype(object),
            "call_index": idx,
            "queue_id": QUEUE_IDS[rows[:, 2]],
            "agent_pos": rows[:, 3],
            "enqueued_at": rows[:, 4],
            "answered_at": rows[:, 5],
            "ended_at": rows[:, 6],
            "ring_s": rows[:, 7],
            "talk_s": rows[:, 8],
            "hold_s": rows[:, 9],
            "acw_s": rows[:, 10],
            "disposition": DISPOSITIONS[disp],
            "transfer_to_queue": np.where(disp == TRANSFERRED, QUEUE_IDS[to_queue[idx]], None),
        }
    )


def route_chats(rng: np.random.Generator, plan: DayPlan, d: date, n_chats: int) -> pd.DataFrame:
    """Online chats: bot-resolved, abandoned or handled by a chat agent in one of 3 slots."""
    req = _arrivals(rng, plan, n_chats, plan.chat)
    n = len(req)
    u = rng.random(n)
    outcome = np.where(u < 0.15, "bot_resolved", np.where(u < 0.21, "abandoned", "handled")).astype(
        object
    )
    free = np.full((len(plan.proficiency), 3), -INF, dtype=np.int64)
    agent = np.full(n, -1)
    slot_no = np.zeros(n, dtype=int)
    first = np.full(n, -1, dtype=np.int64)
    ended = req + np.where(
        outcome == "bot_resolved", rng.integers(60, 400, n), rng.integers(30, 300, n)
    )
    target = np.where(rng.random(n) < 0.5, 0, rng.exponential(30, n)).astype(np.int64)
    dur_base = np.exp(np.log(540) + rng.normal(0, 0.6, n))
    dur_k = np.exp(-0.2 * plan.proficiency).tolist()
    slots = _slot_agents(plan.available, plan.chat)
    wanted = (req + target).tolist()
    dur_l = dur_base.tolist()
    open_s, last_slot = plan.open_s, N_SLOTS - 1
    lost = []
    for i in np.flatnonzero(outcome == "handled").tolist():
        at = wanted[i]
        agents = slots[min(max((at - open_s) // SLOT_S, 0), last_slot)]
        if not len(agents):
            lost.append(i)
            continue
        cand = free[agents]
        flat = int(cand.argmin())
        j, s = divmod(flat, 3)
        a = int(agents[j])
        start = max(at, int(cand[j, s])) + 5
        dur = int(min(dur_l[i] * dur_k[a], 5400))
        agent[i], slot_no[i], first[i], ended[i] = a, s + 1, start, start + dur
        free[a, s] = start + dur + 5
    outcome[lost] = "abandoned"
    dur_min = np.maximum(ended - req, 0) / 60
    handled = agent >= 0
    return pd.DataFrame(
        {
            "chat_id": _ids(f"W{d:%Y%m%d}", np.arange(n), 6),
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


STATES = np.array(["talking", "hold", "acw", "not_ready", "ready", "logged_out"], dtype=object)
TALKING, HOLD, ACW, NOT_READY, READY, LOGGED_OUT = range(6)
GROUP_OFFSET = np.int64(2**40)
"""Added per agent position so that one running maximum restarts for every agent."""


def _group_cummax(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` within runs of equal, ascending ``group`` (>= 0)."""
    shifted = values + group * GROUP_OFFSET
    return np.maximum.accumulate(shifted) - group * GROUP_OFFSET


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
    n_agents = len(plan.shift_start)
    agent = calls["agent_pos"].to_numpy()
    took = agent >= 0
    pos = agent[took]
    ans = calls["answered_at"].to_numpy()[took]
    talk_end = ans + calls["talk_s"].to_numpy()[took]
    end = calls["ended_at"].to_numpy()[took]
    held = calls["hold_s"].to_numpy()[took] > 0
    parts = [
        (pos, ans, talk_end, TALKING),
        (pos[held], talk_end[held], end[held], HOLD),
        (pos, end, end + calls["acw_s"].to_numpy()[took], ACW),
    ]
    chat_pos = chats["agent_pos"].to_numpy()
    served = chat_pos >= 0
    if served.any():
        p = chat_pos[served]
        s = chats["first_agent_msg_at"].to_numpy()[served]
        e = chats["ended_at"].to_numpy()[served]
        order = np.lexsort((s, p))
        p, s, e = p[order], s[order], e[order]
        run_end = _group_cummax(e, p)
        new = np.ones(len(s), dtype=bool)
        new[1:] = (p[1:] != p[:-1]) | (s[1:] > run_end[:-1])
        first = np.flatnonzero(new)
        parts.append((p[first], s[first], np.maximum.reduceat(e, first), TALKING))
    n_blocks = len(plan.blocks)
    block_pos, block_start, block_end, block_reason = (
        (np.array(c) for c in zip(*plan.blocks, strict=True))
        if n_blocks
        else (np.zeros(0, dtype=np.int64),) * 3 + (np.zeros(0, dtype=object),)
    )
    parts.append((block_pos, block_start, block_end, NOT_READY))
    iv_pos = np.concatenate([x[0] for x in parts]).astype(np.int64)
    iv_start = np.concatenate([x[1] for x in parts]).astype(np.int64)
    iv_end = np.concatenate([x[2] for x in parts]).astype(np.int64)
    iv_state = np.concatenate([np.full(len(x[0]), x[3]) for x in parts])
    iv_reason = np.full(len(iv_pos), None, dtype=object)
    if n_blocks:
        iv_reason[len(iv_pos) - n_blocks :] = block_reason
    order = np.lexsort((iv_end, iv_start, iv_pos))
    iv_pos, iv_start, iv_end = iv_pos[order], iv_start[order], iv_end[order]
    iv_state, iv_reason = iv_state[order], iv_reason[order]
    running_end = _group_cummax(iv_end, iv_pos)
    later = np.zeros(len(iv_pos), dtype=bool)
    later[1:] = iv_pos[1:] == iv_pos[:-1]
    prev = np.empty_like(running_end)
    prev[1:] = running_end[:-1]
    iv_start = np.where(later, np.maximum(iv_start, prev), iv_start)
    keep = running_end > iv_start
    iv_pos, iv_start, iv_end = iv_pos[keep], iv_start[keep], running_end[keep]
    iv_state, iv_reason = iv_state[keep], iv_reason[keep]

    late = rng.integers(0, 240, n_agents) * (rng.random(n_agents) < 0.3)
    first_start = np.full(n_agents, INF, dtype=np.int64)
    np.minimum.at(first_start, iv_pos, iv_start)
    last_end = np.zeros(n_agents, dtype=np.int64)
    np.maximum.at(last_end, iv_pos, iv_end)
    login = np.minimum(plan.shift_start + late, first_start).astype(np.int64)
    logout = np.maximum(plan.shift_end, last_end).astype(np.int64)
    later = np.zeros(len(iv_pos), dtype=bool)
    later[1:] = iv_pos[1:] == iv_pos[:-1]
    prev_end = login[iv_pos]
    prev_end[1:] = np.where(later[1:], iv_end[:-1], prev_end[1:])
    gap = iv_start > prev_end
    tail_start = np.maximum(last_end, login)
    tail = logout > tail_start
    everyone = np.arange(n_agents)

    pos_all = np.concatenate([iv_pos, iv_pos[gap], everyone[tail], everyone])
    login_all = np.concatenate([plan.login[pos_all], plan.absent_login]).astype(object)
    started = np.concatenate(
        [iv_start, prev_end[gap], tail_start[tail], logout, plan.absent_start]
    ).astype(np.int64)
    ended = np.concatenate(
        [iv_end, iv_start[gap], logout[tail], np.full(n_agents, -1), plan.absent_end]
    ).astype(np.int64)
    state = np.concatenate(
        [
            iv_state,
            np.full(gap.sum() + tail.sum(), READY),
            np.full(n_agents + len(plan.absent_login), LOGGED_OUT),
        ]
    )
    reason = np.concatenate([iv_reason, np.full(len(started) - len(iv_reason), None)])
    logins = np.concatenate([plan.login, plan.absent_login]).astype(object)
    _, rank = np.unique(logins, return_inverse=True)  # sort by login text, ranked once
    rank = rank.reshape(-1)
    login_rank = np.concatenate([rank[: len(plan.login)][pos_all], rank[len(plan.login) :]])
    order = np.lexsort((started, login_rank))
    return pd.DataFrame(
        {
            "agent_login": login_all[order],
            "state": STATES[state[order]],
            "reason_code": reason[order],
            "started_at": started[order],
            "ended_at": ended[order],
        }
    )
