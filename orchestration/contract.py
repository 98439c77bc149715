"""The source extract contract (``shared/docs/extracts.md``) as data.

This module is the single source of truth for the column lists, types, keys, delivery modes
and PII flags of every entity. The sample-data generator, the raw loader, the dbt staging
models' column lists (via ``csq contract`` / tests) and the raw expectation suites all follow
it; none keeps its own copy.

Decisions where the contract is silent (also in ``dbt_project/DECISIONLOG.md``):

* Every column listed for an entity is *required in the header*: a file missing one is a bad
  delivery (rejected whole). Extra columns are ignored and reported.
* Key columns are non-nullable; a row with an empty key goes to quarantine.
* Identifiers (``identifier=True``) are opaque, non-empty strings, kept as delivered (leading
  zeros included): the contract fixes no format for them, so none is enforced. Whether a
  source's ids keep one shape is a data-quality question for a *warning* of the raw suite
  (the most common shape's share per partition), not a reason to quarantine.
* A format rule (``pattern``) exists only where the contract or a public standard fixes it:
  the 18-character PRC resident ID-card number with its GB 11643 check character
  (``check_digit``), the 11-digit mainland mobile number, ``YYYY-MM`` months.
* Excel damage is recognised where it is certain: an identifier or a rule-bound number shown
  in Excel's scientific notation (``1.10101E+17``) is quarantined (``excel_number``): the true
  value cannot be recovered from it. Lost leading zeros cannot be told from a shorter opaque id;
  the shape warning is what shows them.
* Raw timestamps are stored as **naive UTC** (``TIMESTAMP`` without time zone, microseconds).
  Local Asia/Shanghai time (UTC+8, no DST) is derived in staging as ``*_local`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Mode(StrEnum):
    """Delivery mode of an entity (see the contract)."""

    SNAPSHOT = "snapshot"
    DELTA = "delta"
    EVENTS = "events"


ColumnType = Literal["str", "int", "float", "bool", "date", "ts"]

SOURCE_TIMEZONE: dict[str, str] = {
    "crm": "Asia/Shanghai",
    "telephony": "UTC",
    "survey": "Asia/Shanghai",
    "hr": "Asia/Shanghai",
}
"""How each source writes timestamps: telephony ISO-8601 UTC with ``Z``, the others naive local."""

SOURCE_ENCODING: dict[str, str] = {
    "crm": "gb18030",
    "telephony": "utf-8",
    "survey": "utf-8",
    "hr": "gb18030",
}
"""The encoding each source system *usually* writes (the generator uses it). The loader never
relies on it: it detects per file (BOM, then strict UTF-8, then GB18030)."""

RATING_LABELS: tuple[str, ...] = ("十分满意", "满意", "一般", "有待改善")

# Formats a public standard fixes (the only format rules the loader enforces).
ID_CARD_NO = r"^\d{17}[\dX]$"
"""PRC resident identity card number, GB 11643-1999: 17 digits and a check character (0-9, X)."""
MOBILE_NO = r"^1\d{10}$"
"""Mainland China mobile number: 11 digits starting with 1 (the MIIT numbering plan)."""
PERIOD_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
"""A calendar month ``YYYY-MM`` (the contract's ``period_month``)."""
EXCEL_NUMBER = r"^[+-]?\d(\.\d+)?[eE][+-]?\d+$"
"""A number as Excel's General format shows a long one (``1.10101E+17``): the digits are lost."""


@dataclass(frozen=True)
class Column:
    """One column of an entity, as delivered."""

    name: str
    type: ColumnType = "str"
    values: tuple[str, ...] | None = None
    """Allowed values (an enum); ``None`` means free."""
    nullable: bool = True
    pii: bool = False
    sensitive: bool = False
    pattern: str | None = None
    """Regular expression every non-null value must match (only formats a standard fixes)."""
    identifier: bool = False
    """An opaque identifier (string, leading zeros kept, no format): profiled for its shape."""
    check_digit: bool = False
    """The value ends in a GB 11643 / ISO 7064 MOD 11-2 check character (ID-card numbers)."""
    min: float | None = None
    max: float | None = None
    """Inclusive contract range for numeric columns (values outside are quarantined)."""


@dataclass(frozen=True)
class Entity:
    """One extract file of a source system."""

    source: str
    name: str
    mode: Mode
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    version_column: str | None = None
    """For ``delta`` entities: the column that orders versions of the same key."""
    planned: bool = False
    """Rows are plans (a schedule), so their timestamps may lie after the business date;
    elsewhere a timestamp after the business date's next day is quarantined."""

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    @property
    def sensitive_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.sensitive]

    @property
    def timezone(self) -> str:
        return SOURCE_TIMEZONE[self.source]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.source}.{self.name} has no column {name!r}")


IDENTIFIER_NAMES: tuple[str, ...] = ("agent_login", "transfer_to_queue")
"""Identifier columns whose names do not end in ``_id`` (every ``*_id`` column is one)."""


def _c(name: str, type: ColumnType = "str", **kw: object) -> Column:
    kw.setdefault("identifier", name.endswith("_id") or name in IDENTIFIER_NAMES)
    return Column(name, type, **kw)  # type: ignore[arg-type]


def _e(*values: str) -> tuple[str, ...]:
    return values


YN = "bool"
PRODUCT_LINES = _e("sim", "4g", "5g", "broadband")
CONTACT_TYPES = _e("call", "chat", "ticket")
MAX_DURATION_S = 86_400
"""A single call-leg duration above a day is physically absurd: quarantined at load. Merely
implausible values (e.g. 9 hours of talk) pass the contract and are caught by the quality gate."""

_CSI_ITEMS = (
    [f"img_{i}" for i in range(1, 4)]
    + [f"exp_{i}" for i in range(1, 4)]
    + [f"qual_{i}" for i in range(1, 6)]
    + [f"val_{i}" for i in range(1, 3)]
    + [f"sat_{i}" for i in range(1, 4)]
    + [f"loy_{i}" for i in range(1, 3)]
)
CSI_CONSTRUCTS: dict[str, tuple[str, ...]] = {
    prefix: tuple(i for i in _CSI_ITEMS if i.startswith(prefix + "_"))
    for prefix in ("img", "exp", "qual", "val", "sat", "loy")
}
"""CSI construct code -> its items (each 1-10, null = refused / don't know)."""

RATING_DIMENSIONS: tuple[str, ...] = (
    "rating_product_service",
    "rating_brand_image",
    "rating_agent_attitude",
    "rating_agent_efficiency",
)

QA_CRITERIA: tuple[str, ...] = (
    "greeting",
    "listening",
    "empathy",
    "clarity",
    "knowledge_accuracy",
    "problem_solving",
    "attitude",
    "compliance",
    "info_security",
    "emotion_control",
)

ENTITIES: tuple[Entity, ...] = (
    # ------------------------------------------------------------------ crm
    Entity(
        "crm",
        "customers",
        Mode.DELTA,
        ("customer_id",),
        (
            _c("customer_id", nullable=False),
            _c("customer_name", pii=True),
            _c("mobile_no", pii=True, pattern=MOBILE_NO),
            _c("id_card_no", pii=True, pattern=ID_CARD_NO, check_digit=True),
            _c("gender", values=_e("M", "F")),
            _c("birth_date", "date"),
            _c("province"),
            _c("city"),
            _c("segment", values=_e("individual", "enterprise")),
            _c("product_line", values=PRODUCT_LINES),
            _c("plan_code"),
            _c("distributor_id"),
            _c("customer_level", "int", min=1, max=7),
            _c("activation_date", "date"),
            _c("status", values=_e("active", "suspended", "cancelled")),
            _c("updated_at", "ts", nullable=False),
        ),
        "Customers created or changed on the business date.",
        version_column="updated_at",
    ),
    Entity(
        "crm",
        "distributors",
        Mode.SNAPSHOT,
        ("distributor_id",),
        (
            _c("distributor_id", nullable=False),
            _c("distributor_name"),
            _c("channel_type", values=_e("online", "retail", "agent")),
            _c("province"),
            _c("contract_start", "date"),
            _c("status"),
        ),
        "Every distributor, as of the business date.",
    ),
    Entity(
        "crm",
        "tickets",
        Mode.DELTA,
        ("ticket_id",),
        (
            _c("ticket_id", nullable=False),
            _c("customer_id"),
            _c("channel", values=_e("phone", "chat", "email", "social", "app")),
            _c(
                "category",
                values=_e(
                    "activation",
                    "billing",
                    "network",
                    "number_porting",
                    "plan_change",
                    "sim_delivery",
                    "account",
                    "other",
                ),
            ),
            _c("priority", values=_e("low", "normal", "high", "urgent")),
            _c("is_complaint", YN),
            _c(
                "complaint_source",
                values=_e("internal", "hotline_10086", "regulator", "consumer_assoc"),
            ),
            _c("origin_call_id"),
            _c("origin_chat_id"),
            _c("assignee_agent_id"),
            _c("created_at", "ts"),
            _c("first_reply_at", "ts"),
            _c("resolved_at", "ts"),
            _c("closed_at", "ts"),
            _c("status", values=_e("new", "open", "pending", "solved", "closed")),
            _c("reopen_count", "int", min=0),
            _c("updated_at", "ts", nullable=False),
        ),
        "Tickets created or changed on the business date (an accumulating snapshot upstream).",
        version_column="updated_at",
    ),
    Entity(
        "crm",
        "chat_sessions",
        Mode.EVENTS,
        ("chat_id",),
        (
            _c("chat_id", nullable=False),
            _c("customer_id"),
            _c("channel", values=_e("app", "wechat", "web")),
            _c("queue_id"),
            _c("agent_id"),
            _c("requested_at", "ts"),
            _c("first_agent_msg_at", "ts"),
            _c("ended_at", "ts"),
            _c("customer_msgs", "int", min=0),
            _c("agent_msgs", "int", min=0),
            _c("concurrency_slot", "int", min=1, max=3),
            _c("outcome", values=_e("handled", "abandoned", "bot_resolved")),
        ),
        "Online chat sessions (app, WeChat, web).",
    ),
    # ------------------------------------------------------------ telephony
    Entity(
        "telephony",
        "queues",
        Mode.SNAPSHOT,
        ("queue_id",),
        (
            _c("queue_id", nullable=False),
            _c("queue_name"),
            _c("product_line"),
            _c("sl_threshold_s", "int", min=0),
            _c("short_abandon_s", "int", min=0),
            _c("open_hour", "int", min=0, max=24),
            _c("close_hour", "int", min=0, max=24),
        ),
        "ACD queues with their service-level threshold and short-abandon limit.",
    ),
    Entity(
        "telephony",
        "calls",
        Mode.EVENTS,
        ("call_id", "segment_no"),
        (
            _c("call_id", nullable=False),
            _c("segment_no", "int", nullable=False, min=1),
            _c("direction", values=_e("inbound", "outbound")),
            _c("ani", pii=True),
            _c("queue_id"),
            _c("agent_login"),
            _c("customer_id"),
            _c("enqueued_at", "ts"),
            _c("answered_at", "ts"),
            _c("ended_at", "ts"),
            _c("ring_s", "int", min=0, max=MAX_DURATION_S),
            _c("talk_s", "int", min=0, max=MAX_DURATION_S),
            _c("hold_s", "int", min=0, max=MAX_DURATION_S),
            _c("acw_s", "int", min=0, max=MAX_DURATION_S),
            _c(
                "disposition",
                values=_e("answered", "abandoned", "callback", "flowout", "transferred"),
            ),
            _c("transfer_to_queue"),
        ),
        "Call segments: one row per queue/agent leg of a call.",
    ),
    Entity(
        "telephony",
        "agent_states",
        Mode.EVENTS,
        ("agent_login", "started_at"),
        (
            _c("agent_login", nullable=False),
            _c("state", values=_e("ready", "not_ready", "talking", "hold", "acw", "logged_out")),
            _c(
                "reason_code",
                values=_e("break", "lunch", "training", "coaching", "meeting", "system"),
            ),
            _c("started_at", "ts", nullable=False),
            _c("ended_at", "ts"),
        ),
        "Agent state intervals from the CTI.",
    ),
    # --------------------------------------------------------------- survey
    Entity(
        "survey",
        "post_contact",
        Mode.EVENTS,
        ("response_id",),
        (
            _c("response_id", nullable=False),
            _c("contact_type", values=CONTACT_TYPES),
            _c("contact_id"),
            _c("customer_id"),
            _c("agent_id"),
            _c("sent_at", "ts"),
            _c("responded_at", "ts"),
            _c("csat", "int"),
            _c("nps", "int"),
            _c("ces", "int"),
            _c("resolved_first_contact", YN),
            _c("comment"),
        ),
        "Post-contact survey responses, delivered on the response date.",
    ),
    Entity(
        "survey",
        "csi",
        Mode.EVENTS,
        ("response_id",),
        (
            _c("response_id", nullable=False),
            _c("wave"),
            _c("customer_id"),
            _c("product_line", values=PRODUCT_LINES),
            _c("mode", values=_e("cati", "online")),
            _c("interviewed_at", "ts"),
            *(_c(item, "int") for item in _CSI_ITEMS),
            _c("complained", YN),
            *(_c(dim, values=RATING_LABELS) for dim in RATING_DIMENSIONS),
        ),
        "Customer-satisfaction-index (ACSI/CCSI family) survey responses.",
    ),
    Entity(
        "survey",
        "qa_forms",
        Mode.SNAPSHOT,
        ("form_version", "criterion_code"),
        (
            _c("form_version", nullable=False),
            _c("criterion_code", nullable=False),
            _c("criterion_name"),
            _c("weight", "float", min=0),
            _c("max_score", "float", min=0),
            _c("is_critical", YN),
            _c("band_excellent_min", "float"),
            _c("band_good_min", "float"),
            _c("band_pass_min", "float"),
        ),
        "Quality-assurance scorecard forms, one row per criterion.",
    ),
    Entity(
        "survey",
        "qa_evaluations",
        Mode.EVENTS,
        ("evaluation_id", "criterion_code"),
        (
            _c("evaluation_id", nullable=False),
            _c("criterion_code", nullable=False),
            _c("form_version"),
            _c("contact_type", values=CONTACT_TYPES),
            _c("contact_id"),
            _c("agent_id"),
            _c("evaluator_id"),
            _c(
                "method",
                values=_e("recording_sample", "mystery_shopper", "peer", "supervisor"),
            ),
            _c("evaluated_at", "ts"),
            _c("score", "float"),
            _c("is_na", YN),
            _c("critical_failed", YN),
        ),
        "QA evaluations, one row per criterion scored.",
    ),
    Entity(
        "survey",
        "employee_pulse",
        Mode.EVENTS,
        ("response_id",),
        (
            _c("response_id", nullable=False),
            _c("wave"),
            _c("team_id"),
            _c("submitted_at", "ts"),
            _c("sat_workload", "int"),
            _c("sat_environment", "int"),
            _c("sat_manager", "int"),
            _c("sat_growth", "int"),
            _c("sat_pay", "int"),
            _c("enps", "int"),
            _c("intent_to_stay", "int"),
        ),
        "Anonymous employee pulse survey (no employee id, by design).",
    ),
    # ------------------------------------------------------------------- hr
    Entity(
        "hr",
        "employees",
        Mode.SNAPSHOT,
        ("employee_id",),
        (
            _c("employee_id", nullable=False),
            _c("agent_login"),
            _c("full_name", pii=True),
            _c("id_card_no", pii=True, pattern=ID_CARD_NO, check_digit=True),
            _c("mobile_no", pii=True, pattern=MOBILE_NO),
            _c("gender", values=_e("M", "F")),
            _c("birth_date", "date"),
            _c("education", values=_e("high_school", "college", "bachelor", "master")),
            _c("employment_type", values=_e("regular", "dispatched", "intern")),
            _c("site"),
            _c("hire_date", "date"),
            _c("termination_date", "date"),
            _c("termination_type", values=_e("voluntary", "involuntary", "other")),
            _c("termination_reason"),
            _c("status", values=_e("active", "terminated")),
        ),
        "The HR roster, as of the business date.",
    ),
    Entity(
        "hr",
        "job_history",
        Mode.SNAPSHOT,
        ("employee_id", "effective_from"),
        (
            _c("employee_id", nullable=False),
            _c("effective_from", "date", nullable=False),
            _c("effective_to", "date"),
            _c(
                "action",
                values=_e(
                    "hire",
                    "promotion",
                    "demotion",
                    "transfer",
                    "role_change",
                    "termination",
                    "rehire",
                ),
            ),
            _c("team_id"),
            _c("supervisor_id"),
            _c("job_level", values=_e("L1", "L2", "L3", "L4", "L5")),
            _c(
                "incentive_role",
                values=_e("none", "mentor", "internal_trainer", "star_agent", "quality_champion"),
            ),
            _c("salary_band", sensitive=True),
        ),
        "Every job spell of every employee, as of the business date.",
    ),
    Entity(
        "hr",
        "teams",
        Mode.SNAPSHOT,
        ("team_id",),
        (
            _c("team_id", nullable=False),
            _c("team_name"),
            _c("site"),
            _c("line_of_business"),
            _c("leader_employee_id"),
            _c("created_on", "date"),
        ),
        "Teams, as of the business date.",
    ),
    Entity(
        "hr",
        "training",
        Mode.EVENTS,
        ("employee_id", "course_id", "started_on"),
        (
            _c("employee_id", nullable=False),
            _c("course_id", nullable=False),
            _c("started_on", "date", nullable=False),
            _c(
                "course_type",
                values=_e("onboarding", "product", "skills", "certification", "monthly_exam"),
            ),
            _c("hours", "float", min=0),
            _c("completed_on", "date"),
            _c("score", "float", min=0, max=100),
            _c("passed", YN),
        ),
        "Training records (onboarding, product, skills, certification, monthly exam).",
    ),
    Entity(
        "hr",
        "incentives",
        Mode.EVENTS,
        ("employee_id", "period_month", "incentive_type"),
        (
            _c("employee_id", nullable=False),
            _c("period_month", nullable=False, pattern=PERIOD_MONTH),
            _c(
                "incentive_type",
                nullable=False,
                values=_e(
                    "performance_bonus",
                    "quality_bonus",
                    "star_award",
                    "mentor_allowance",
                    "trainer_allowance",
                ),
            ),
            _c("amount_cny", "float", sensitive=True),
            _c("quality_linked", YN),
        ),
        "Incentive payments (amounts are sensitive: aggregates over >= 5 people only).",
    ),
    Entity(
        "hr",
        "schedules",
        Mode.EVENTS,
        ("employee_id", "shift_date", "activity", "starts_at"),
        (
            _c("employee_id", nullable=False),
            _c("shift_date", "date", nullable=False),
            _c(
                "activity",
                nullable=False,
                values=_e("shift", "break", "lunch", "training", "meeting", "leave"),
            ),
            _c("starts_at", "ts", nullable=False),
            _c("ends_at", "ts"),
        ),
        "Workforce-management schedule: shifts and the planned activities inside them.",
        planned=True,
    ),
)

SOURCES: tuple[str, ...] = ("crm", "telephony", "survey", "hr")

LINEAGE_COLUMNS: tuple[Column, ...] = (
    Column("_business_date", "date", nullable=False),
    Column("_source_file", nullable=False),
    Column("_file_sha256", nullable=False),
    Column("_manifest_generated_at", "ts", nullable=False),
    Column("_load_id", nullable=False),
    Column("_line_no", "int", nullable=False),
)
"""Added by the loader to every raw row: the delivery's business date, the file (relative to
the landing folder), its checksum, the manifest's ``generated_at`` (orders re-sent deliveries),
the load id, and the physical line of the record in the file (header = line 1)."""


def entities(source: str | None = None) -> list[Entity]:
    """All entities, or those of one source, in contract order."""
    return [e for e in ENTITIES if source is None or e.source == source]


def entity(source: str, name: str) -> Entity:
    """Look up one entity."""
    for e in ENTITIES:
        if e.source == source and e.name == name:
            return e
    raise KeyError(f"no entity {source}.{name} in the contract")


def _check() -> None:
    seen: set[tuple[str, str]] = set()
    for e in ENTITIES:
        assert e.source in SOURCES, e
        assert (e.source, e.name) not in seen, e
        seen.add((e.source, e.name))
        names = e.column_names
        assert len(names) == len(set(names)), e.name
        for k in e.key:
            assert k in names and not e.column(k).nullable, (e.name, k)
        if e.mode is Mode.DELTA:
            assert e.version_column in names, e.name


_check()
