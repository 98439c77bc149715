"""CRM side: the customer base (with repeat contacts), distributors and ticket lifecycles."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pandas as pd

from synthetic import identities
from synthetic.schedules import local_midnight

CUSTOMERS_PER_AGENT = 500
N_DISTRIBUTORS = 40
PLAN_CODES = {
    "sim": ("SIM19", "SIM29", "SIM39"),
    "4g": ("4G58", "4G88", "4G128"),
    "5g": ("5G129", "5G169", "5G239", "5G399"),
    "broadband": ("BB100M", "BB300M", "BB1000M"),
}
TICKET_CATEGORIES = np.array(
    [
        "activation",
        "billing",
        "network",
        "number_porting",
        "plan_change",
        "sim_delivery",
        "account",
        "other",
    ],
    dtype=object,
)
CATEGORY_P = np.array([0.16, 0.2, 0.15, 0.07, 0.14, 0.1, 0.1, 0.08])
COMPLAINT_SOURCES = np.array(
    ["internal", "hotline_10086", "regulator", "consumer_assoc"], dtype=object
)
DAY = 86400


def distributors(seed: int) -> pd.DataFrame:
    """The fixed distributor master (snapshot)."""
    rng = np.random.default_rng([seed, 3])
    kinds = rng.choice(
        np.array(["online", "retail", "agent"], dtype=object), N_DISTRIBUTORS, p=[0.3, 0.4, 0.3]
    )
    place = rng.integers(0, len(identities.PLACES), N_DISTRIBUTORS)
    label = {"online": "网上营业厅", "retail": "连锁门店", "agent": "代理商"}
    start = np.datetime64("2018-01-01") + rng.integers(0, 2500, N_DISTRIBUTORS).astype(
        "timedelta64[D]"
    )
    return pd.DataFrame(
        {
            "distributor_id": [f"D{i + 1:04d}" for i in range(N_DISTRIBUTORS)],
            "distributor_name": [
                f"{identities.CITIES[p]}{label[k]}{i + 1:02d}"
                for i, (k, p) in enumerate(zip(kinds, place, strict=True))
            ],
            "channel_type": kinds,
            "province": identities.PROVINCES[place],
            "contract_start": start,
            "status": np.where(rng.random(N_DISTRIBUTORS) < 0.9, "active", "terminated"),
        }
    )


def _plan_codes(line: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """A plan of each customer's product line (``pick`` chooses among the line's plans)."""
    out = np.empty(len(line), dtype=object)
    for name, codes in PLAN_CODES.items():
        sel = line == name
        out[sel] = np.array(codes, dtype=object)[pick[sel] % len(codes)]
    return out


class Customers:
    """The customer base; picks who contacts us, sending unresolved customers back."""

    def __init__(self, seed: int, agents: int, start: date) -> None:
        self.rng = np.random.default_rng([seed, 4])
        self.start = start
        self.frame = self._make(max(2000, agents * CUSTOMERS_PER_AGENT), start, initial=True)
        self.ids = self.frame["customer_id"].to_numpy(dtype=object)
        self.mobiles = self.frame["mobile_no"].to_numpy(dtype=object)
        """``customer_id`` / ``mobile_no`` by row position (kept as arrays: read every day)."""
        self.repeats: dict[date, list[np.ndarray]] = defaultdict(list)

    def _make(self, n: int, d: date, initial: bool) -> pd.DataFrame:
        rng = self.rng
        first = 0 if not hasattr(self, "frame") else len(self.frame)
        place = rng.integers(0, len(identities.PLACES), n)
        male = rng.random(n) < 0.52
        birth = identities.birth_dates(rng, n, np.datetime64(d), 18, 75)
        line = rng.choice(np.array(list(PLAN_CODES), dtype=object), n, p=[0.25, 0.3, 0.3, 0.15])
        if initial:
            activation = np.datetime64(d) - rng.integers(1, 3000, n).astype("timedelta64[D]")
            updated = (
                (activation - np.datetime64("1970-01-01")).astype(np.int64) * DAY
                + rng.integers(9 * 3600, 21 * 3600, n)
                - 8 * 3600
            )
        else:
            activation = np.full(n, np.datetime64(d))
            updated = local_midnight(d) + rng.integers(8 * 3600, 22 * 3600, n)
        return pd.DataFrame(
            {
                "customer_id": [f"{10_000_000 + 37 * (first + i):010d}" for i in range(n)],
                "customer_name": identities.chinese_names(rng, n),
                "mobile_no": identities.mobiles(rng, n),
                "id_card_no": identities.id_card_numbers(
                    rng, identities.DIVISIONS[place], birth, male
                ),
                "gender": np.where(male, "M", "F"),
                "birth_date": birth,
                "province": identities.PROVINCES[place],
                "city": identities.CITIES[place],
                "segment": np.where(rng.random(n) < 0.92, "individual", "enterprise"),
                "product_line": line,
                "plan_code": _plan_codes(line, rng.integers(0, 12, n)),
                "distributor_id": [f"D{k:04d}" for k in rng.integers(1, N_DISTRIBUTORS + 1, n)],
                "customer_level": rng.choice(
                    np.arange(1, 8), n, p=[0.25, 0.25, 0.2, 0.13, 0.09, 0.05, 0.03]
                ),
                "activation_date": activation,
                "status": np.where(rng.random(n) < 0.94, "active", "suspended")
                if initial
                else "active",
                "updated_at": updated.astype(np.int64),
            }
        )

    def changes(self, d: date) -> pd.DataFrame:
        """Rows created or changed on ``d`` (the whole base on the first day: initial load)."""
        if d == self.start:
            return self.frame.copy()
        rng = self.rng
        n = len(self.frame)
        k = rng.poisson(n * 0.0008)
        new = self._make(k, d, initial=False) if k else self.frame.iloc[:0]  # a quiet day
        changed = rng.choice(n, rng.poisson(n * 0.0006), replace=False)
        f = self.frame
        status = f["status"].to_numpy(dtype=object, copy=True)
        level = f["customer_level"].to_numpy(dtype=np.int64, copy=True)
        updated = f["updated_at"].to_numpy(dtype=np.int64, copy=True)
        status[changed] = rng.choice(
            np.array(["active", "suspended", "cancelled"], dtype=object),
            len(changed),
            p=[0.3, 0.4, 0.3],
        )
        level[changed] = np.clip(level[changed] + rng.integers(-1, 2, len(changed)), 1, 7)
        updated[changed] = local_midnight(d) + rng.integers(8 * 3600, 22 * 3600, len(changed))
        f["status"] = pd.Series(status, index=f.index, dtype=object)  # no str re-encoding
        f["customer_level"], f["updated_at"] = level, updated
        self.frame = pd.concat([f, new], ignore_index=True)
        self.ids = np.concatenate([self.ids, new["customer_id"].to_numpy(dtype=object)])
        self.mobiles = np.concatenate([self.mobiles, new["mobile_no"].to_numpy(dtype=object)])
        idx = changed
        return pd.concat([self.frame.iloc[idx], new], ignore_index=True)

    def pick(self, d: date, n: int) -> np.ndarray:
        """Row positions of the customers behind ``n`` contacts: repeaters first, then random."""
        due = np.concatenate(self.repeats.pop(d, [np.zeros(0, dtype=np.int64)]))
        self.rng.shuffle(due)
        due = due[:n]
        rest = self.rng.integers(0, len(self.frame), n - len(due))
        out = np.concatenate([due, rest]).astype(np.int64)
        self.rng.shuffle(out)
        return out

    def schedule_repeats(self, d: date, who: np.ndarray, resolved: np.ndarray) -> None:
        """Unresolved contacts come back within 1-7 days (70 %); resolved ones rarely (4 %)."""
        back = self.rng.random(len(who)) < np.where(resolved, 0.04, 0.7)
        lag = self.rng.integers(1, 8, len(who))
        for k in range(1, 8):
            sel = who[back & (lag == k) & (who >= 0)]
            if len(sel):
                self.repeats[d + timedelta(days=k)].append(sel)


def ticket_lifecycles(
    rng: np.random.Generator,
    d: date,
    seq0: int,
    channel: np.ndarray,
    created: np.ndarray,
    customer_id: np.ndarray,
    assignee: np.ndarray,
    proficiency: np.ndarray,
    origin_call: np.ndarray,
    origin_chat: np.ndarray,
    complaint_boost: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New tickets of ``d``: returns (static attributes, status events with times).

    Events: new -> open (first reply) -> [pending] -> solved -> [open again -> solved] ->
    closed three days after the last solve; ``reopen_count`` counts reopenings.
    """
    n = len(created)
    q = proficiency
    live = np.isin(channel, ["phone", "chat"])
    first = created + np.where(
        live, rng.integers(30, 600, n), rng.lognormal(np.log(90 * 60), 0.9, n)
    ).astype(np.int64)
    solve = first + rng.lognormal(np.log(20 * 3600) - 0.3 * q, 1.0, n).astype(np.int64)
    pending = rng.random(n) < 0.3
    reopen = rng.random(n) < 0.05 * np.exp(-0.5 * q)
    solve2 = solve + DAY + rng.lognormal(np.log(8 * 3600), 0.8, n).astype(np.int64)
    last_solve = np.where(reopen, solve2, solve)
    closed = last_solve + 3 * DAY
    complaint = rng.random(n) < np.clip(0.03 * np.exp(-0.7 * q) + complaint_boost, 0, 1)
    static = pd.DataFrame(
        {
            "ticket_id": [f"TK{d:%Y%m%d}{seq0 + i:06d}" for i in range(n)],
            "customer_id": customer_id,
            "channel": channel,
            "category": rng.choice(TICKET_CATEGORIES, n, p=CATEGORY_P),
            "priority": np.where(
                complaint,
                "high",
                rng.choice(
                    np.array(["low", "normal", "high", "urgent"], dtype=object),
                    n,
                    p=[0.2, 0.6, 0.15, 0.05],
                ),
            ),
            "is_complaint": complaint,
            "complaint_source": np.where(
                complaint, rng.choice(COMPLAINT_SOURCES, n, p=[0.5, 0.35, 0.08, 0.07]), None
            ),
            "origin_call_id": origin_call,
            "origin_chat_id": origin_chat,
            "assignee_agent_id": assignee,
            "created_at": created,
            "first_reply_at": first,
            "closed_final": closed,
            "resolved_final": last_solve,
        }
    )
    idx = np.arange(n)
    ev = [
        (idx, created, "new", 0, -1),
        (idx, first, "open", 0, -1),
        (idx[pending], ((first + solve) // 2)[pending], "pending", 0, -1),
        (idx, solve, "solved", 0, solve),
        (idx[reopen], (solve + DAY)[reopen], "open", 1, -1),
        (idx[reopen], solve2[reopen], "solved", 1, solve2[reopen]),
        (idx, closed, "closed", reopen.astype(int), last_solve),
    ]
    events = pd.concat(
        [
            pd.DataFrame(
                {
                    "t": i,
                    "at": np.asarray(at, dtype=np.int64),
                    "status": s,
                    "reopen_count": rc,
                    "resolved_at": np.broadcast_to(r, len(i)),
                }
            )
            for i, at, s, rc, r in ev
        ],
        ignore_index=True,
    )
    return static, events
