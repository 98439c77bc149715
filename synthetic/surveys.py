"""Survey side: post-contact responses, QA scorecards and evaluations, CSI waves, pulse."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from orchestration.contract import CSI_CONSTRUCTS, QA_CRITERIA, RATING_LABELS
from synthetic import identities
from synthetic.schedules import local_midnight

FORM_VERSION = "QA-2025.1"
# criterion -> (Chinese name, weight, max score, is critical, share not applicable)
QA_FORM: dict[str, tuple[str, float, float, bool, float]] = {
    "greeting": ("开场问候", 5, 5, False, 0.0),
    "listening": ("倾听理解", 10, 10, False, 0.0),
    "empathy": ("同理心", 10, 10, False, 0.12),
    "clarity": ("表达清晰", 10, 10, False, 0.0),
    "knowledge_accuracy": ("业务准确", 15, 10, False, 0.0),
    "problem_solving": ("问题解决", 15, 10, False, 0.05),
    "attitude": ("服务态度", 10, 10, False, 0.0),
    "compliance": ("合规规范", 10, 5, True, 0.0),
    "info_security": ("信息安全", 10, 5, True, 0.08),
    "emotion_control": ("情绪控制", 5, 5, False, 0.15),
}
assert tuple(QA_FORM) == QA_CRITERIA
BANDS = (90.0, 80.0, 60.0)
RESPONSE_RATE = {"call": 0.125, "chat": 0.14, "ticket": 0.10}
MAX_LAG_S = 10 * 86400


def qa_form() -> pd.DataFrame:
    """The single current QA form (snapshot)."""
    return pd.DataFrame(
        [
            (FORM_VERSION, code, name, w, m, crit, *BANDS)
            for code, (name, w, m, crit, _) in QA_FORM.items()
        ],
        columns=[
            "form_version",
            "criterion_code",
            "criterion_name",
            "weight",
            "max_score",
            "is_critical",
            "band_excellent_min",
            "band_good_min",
            "band_pass_min",
        ],
    )


def post_contact(
    rng: np.random.Generator,
    contact_type: str,
    contact_id: np.ndarray,
    customer_id: np.ndarray,
    agent_id: np.ndarray,
    ended: np.ndarray,
    proficiency: np.ndarray,
    resolved: np.ndarray,
    id_prefix: str,
) -> pd.DataFrame:
    """Survey responses for the sampled contacts, with ``responded_at`` 0-10 days later."""
    take = rng.random(len(contact_id)) < RESPONSE_RATE[contact_type]
    n = int(take.sum())
    q, r = proficiency[take], resolved[take]
    sent = ended[take] + rng.integers(60, 600, n)
    kind = rng.random(n)
    lag = np.where(
        kind < 0.65,
        rng.integers(60, 6 * 3600, n),
        np.where(
            kind < 0.85, rng.integers(86400, 3 * 86400, n), rng.integers(3 * 86400, MAX_LAG_S, n)
        ),
    )
    responded = np.minimum(sent + lag, ended[take] + MAX_LAG_S - 60)
    z = 0.9 * q + 1.0 * r + rng.normal(0, 1, n)
    csat = np.digitize(z, [-0.9, -0.1, 0.5, 1.3]) + 1
    nps = np.clip(np.round(6.5 + 1.5 * z + rng.normal(0, 1, n)), 0, 10).astype(int)
    ces = np.clip(np.round(4.6 + 1.0 * z + rng.normal(0, 0.8, n)), 1, 7).astype(int)
    rfc = np.where(rng.random(n) < 0.9, r, ~r)
    return pd.DataFrame(
        {
            "response_id": [f"{id_prefix}{i:05d}" for i in range(n)],
            "contact_type": contact_type,
            "contact_id": contact_id[take],
            "customer_id": customer_id[take],
            "agent_id": agent_id[take],
            "sent_at": sent,
            "responded_at": responded,
            "csat": csat,
            "nps": nps,
            "ces": ces,
            "resolved_first_contact": rfc,
            "comment": identities.survey_comments(rng, csat),
        }
    )


def qa_evaluations(
    rng: np.random.Generator,
    d: date,
    contact_type: np.ndarray,
    contact_id: np.ndarray,
    agent_id: np.ndarray,
    evaluator_id: np.ndarray,
    proficiency: np.ndarray,
) -> pd.DataFrame:
    """Scorecards (one row per criterion) for the contacts picked for QA on ``d``."""
    n = len(contact_id)
    method = rng.choice(
        np.array(["recording_sample", "mystery_shopper", "peer", "supervisor"], dtype=object),
        n,
        p=[0.7, 0.05, 0.1, 0.15],
    )
    at = local_midnight(d) + rng.integers(1, 4, n) * 86400 + rng.integers(9 * 3600, 18 * 3600, n)
    ids = [f"QE{d:%Y%m%d}{i:04d}" for i in range(n)]
    crit_fail_any = rng.random(n) < 0.006 * np.exp(-1.2 * proficiency)
    crit_code = rng.choice(np.array(["compliance", "info_security"]), n)
    k = len(QA_FORM)
    score = np.empty((n, k))
    is_na = np.empty((n, k), dtype=bool)
    failed = np.empty((n, k), dtype=bool)
    for j, (code, (_, _, max_score, critical, na_p)) in enumerate(QA_FORM.items()):
        na = rng.random(n) < na_p
        p = 1 / (1 + np.exp(-(2.0 + 0.9 * proficiency + rng.normal(0, 0.7, n))))
        fail = crit_fail_any & (crit_code == code) & critical & ~na
        score[:, j] = np.where(na, np.nan, np.where(fail, 0.0, np.round(max_score * p)))
        is_na[:, j], failed[:, j] = na, fail

    def each(values: np.ndarray) -> np.ndarray:
        """Per evaluation -> per scorecard row (evaluation-major, criteria in form order)."""
        return np.repeat(np.asarray(values), k)

    return pd.DataFrame(
        {
            "evaluation_id": each(np.array(ids, dtype=object)),
            "criterion_code": np.tile(np.array(QA_CRITERIA, dtype=object), n),
            "form_version": FORM_VERSION,
            "contact_type": each(contact_type),
            "contact_id": each(contact_id),
            "agent_id": each(agent_id),
            "evaluator_id": each(evaluator_id),
            "method": each(method),
            "evaluated_at": each(at),
            "score": score.reshape(-1),
            "is_na": is_na.reshape(-1),
            "critical_failed": failed.reshape(-1),
        }
    )


def csi_wave(d: date) -> str | None:
    """CSI interviews run through the last month of each quarter: wave label or None."""
    return f"{d.year}Q{d.month // 3}" if d.month % 3 == 0 else None


def csi_responses(
    rng: np.random.Generator, d: date, n: int, customers: pd.DataFrame, service_level: float
) -> pd.DataFrame:
    """``n`` CSI interviews on ``d``; ``service_level`` (mean agent proficiency) shifts scores."""
    who = customers.iloc[rng.integers(0, len(customers), n)]
    base = rng.normal(7.1 + 0.6 * service_level, 1.4, n)
    cols: dict[str, object] = {
        "response_id": [f"CSI{d:%Y%m%d}{i:04d}" for i in range(n)],
        "wave": csi_wave(d),
        "customer_id": who["customer_id"].to_numpy(),
        "product_line": who["product_line"].to_numpy(),
        "mode": np.where(rng.random(n) < 0.7, "cati", "online"),
        "interviewed_at": local_midnight(d) + rng.integers(9 * 3600, 21 * 3600, n),
    }
    shift = {"img": 0.3, "exp": 0.6, "qual": 0.0, "val": -0.4, "sat": 0.0, "loy": -0.2}
    for construct, items in CSI_CONSTRUCTS.items():
        for item in items:
            v = np.clip(np.round(base + shift[construct] + rng.normal(0, 0.9, n)), 1, 10)
            cols[item] = np.where(rng.random(n) < 0.05, np.nan, v)
    cols["complained"] = rng.random(n) < 1 / (1 + np.exp(base - 4.5))
    labels = np.array(RATING_LABELS, dtype=object)
    for dim in (
        "rating_product_service",
        "rating_brand_image",
        "rating_agent_attitude",
        "rating_agent_efficiency",
    ):
        s = base + rng.normal(0, 1.0, n)
        cols[dim] = labels[np.digitize(-s, [-8.5, -7.0, -5.0])]
    return pd.DataFrame(cols)


def pulse_wave(d: date) -> str | None:
    """Employee pulse: H1 wave 15-28 June, H2 wave 8-21 December."""
    if d.month == 6 and 15 <= d.day <= 28:
        return f"{d.year}H1"
    if d.month == 12 and 8 <= d.day <= 21:
        return f"{d.year}H2"
    return None


def pulse_day(seed: int, wave: str, employee_idx: int) -> tuple[bool, int]:
    """Whether an employee answers a wave (70 %) and on which day of the 14-day window."""
    r = np.random.default_rng([seed, 9, int(wave[:4]), int(wave[-1]), employee_idx])
    return bool(r.random() < 0.7), int(r.integers(0, 14))


def pulse_responses(
    rng: np.random.Generator,
    d: date,
    wave: str,
    team_id: np.ndarray,
    pressure: np.ndarray,
    proficiency: np.ndarray,
) -> pd.DataFrame:
    """Anonymous pulse answers (shuffled, ids not derived from the person)."""
    n = len(team_id)
    order = rng.permutation(n)
    team_id, pressure, proficiency = team_id[order], pressure[order], proficiency[order]
    mood = -0.9 * (pressure - 1) + 0.3 * proficiency + rng.normal(0, 0.8, n)

    def item(base: float, k: float, lo: int = 1, hi: int = 5) -> np.ndarray:
        return np.clip(np.round(base + k * mood + rng.normal(0, 0.6, n)), lo, hi).astype(int)

    return pd.DataFrame(
        {
            "response_id": [f"EP{wave}{d:%m%d}{i:04d}" for i in range(n)],
            "wave": wave,
            "team_id": team_id,
            "submitted_at": local_midnight(d) + rng.integers(9 * 3600, 22 * 3600, n),
            "sat_workload": item(3.0, 0.8),
            "sat_environment": item(3.6, 0.4),
            "sat_manager": item(3.5, 0.6),
            "sat_growth": item(3.2, 0.6),
            "sat_pay": item(2.9, 0.5),
            "enps": item(7.3, 1.2, 0, 10),
            "intent_to_stay": item(3.4, 0.9),
        }
    )
