"""Contract-conformant deliveries written by "someone else", from the contract alone.

Specification used, and nothing else: ``shared/docs/extracts.md`` (layout, manifests,
encodings, entities and their columns) and ``shared/docs/domain.md`` (KPI definitions). The
style is deliberately unlike the project's own sample generator while staying inside the
contract: other identifier shapes (``E001``, ``A001``, ``CU00001``, ``CALL-20260302-00001``),
CRLF on some files and LF on others, UTF-8 with and without BOM, GB18030 (no BOM) for every crm
and hr file with rare characters (``㐀``, ``𠀀``: 4-byte GB18030), ``YYYY/MM/DD`` dates in hr,
columns in another order than the contract's in several files, one extra column, quoted
fields with commas, quotes and line breaks, UTC ``Z`` telephony timestamps and naive
Asia/Shanghai local time elsewhere, valid mobile numbers and GB 11643 ID-card numbers.

Planted cases (each the only data of its grain, so its KPIs are small hand computations, see
``tests/test_independent_source.py``):

* queue ``VQ-PORT-IN`` (T = 30 s, short abandon = 8 s) carries calls on 2026-03-10 only:
  6 answered, 4 abandoned, 1 callback; one answered leg is transferred to ``Q-GEN``;
* agent ``E005`` (login ``A005``) handles exactly the 6 answered legs of that queue that day;
* team ``TM-VIP`` gets exactly 7 post-contact responses for its March contacts, three of them
  answered after their agent ``E032`` moved to ``TM-PORT`` (2026-03-12);
* team ``TM-PORT`` in March: 8 active on the 1st, 2 separations, 1 hire, 1 transfer in;
* hire cohort 2025-11: 6 hires, 4 of them gone before the window (46, 89, 90, 92 days);
* CTI login ``A027`` is recycled: ``E027`` until 2026-03-06, ``E044`` (hired 03-09) after.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

UTC_OFFSET = timedelta(hours=8)
"""Asia/Shanghai is UTC+8 all year (no DST)."""

# --------------------------------------------------------------------------- contract columns
# Transcribed from shared/docs/extracts.md, in the contract's order.
_CSI_ITEMS = (
    [f"img_{i}" for i in (1, 2, 3)]
    + [f"exp_{i}" for i in (1, 2, 3)]
    + [f"qual_{i}" for i in (1, 2, 3, 4, 5)]
    + [f"val_{i}" for i in (1, 2)]
    + [f"sat_{i}" for i in (1, 2, 3)]
    + [f"loy_{i}" for i in (1, 2)]
)
RATINGS = ("十分满意", "满意", "一般", "有待改善")


def _cols(*parts: str) -> list[str]:
    """Column names written space-separated (as in the contract tables)."""
    return " ".join(parts).split()


COLUMNS: dict[tuple[str, str], list[str]] = {
    ("crm", "customers"): _cols(
        "customer_id customer_name mobile_no id_card_no gender birth_date province city segment "
        "product_line plan_code distributor_id customer_level activation_date status updated_at"
    ),
    ("crm", "distributors"): _cols(
        "distributor_id distributor_name channel_type province contract_start status"
    ),
    ("crm", "tickets"): _cols(
        "ticket_id customer_id channel category priority is_complaint complaint_source "
        "origin_call_id origin_chat_id assignee_agent_id created_at first_reply_at resolved_at "
        "closed_at status reopen_count updated_at"
    ),
    ("crm", "chat_sessions"): _cols(
        "chat_id customer_id channel queue_id agent_id requested_at first_agent_msg_at ended_at "
        "customer_msgs agent_msgs concurrency_slot outcome"
    ),
    ("telephony", "queues"): _cols(
        "queue_id queue_name product_line sl_threshold_s short_abandon_s open_hour close_hour"
    ),
    ("telephony", "calls"): _cols(
        "call_id segment_no direction ani queue_id agent_login customer_id enqueued_at "
        "answered_at ended_at ring_s talk_s hold_s acw_s disposition transfer_to_queue"
    ),
    ("telephony", "agent_states"): _cols("agent_login state reason_code started_at ended_at"),
    ("survey", "post_contact"): _cols(
        "response_id contact_type contact_id customer_id agent_id sent_at responded_at csat nps "
        "ces resolved_first_contact comment"
    ),
    ("survey", "csi"): [
        *_cols("response_id wave customer_id product_line mode interviewed_at"),
        *_CSI_ITEMS,
        *_cols(
            "complained rating_product_service rating_brand_image rating_agent_attitude "
            "rating_agent_efficiency"
        ),
    ],
    ("survey", "qa_forms"): _cols(
        "form_version criterion_code criterion_name weight max_score is_critical "
        "band_excellent_min band_good_min band_pass_min"
    ),
    ("survey", "qa_evaluations"): _cols(
        "evaluation_id criterion_code form_version contact_type contact_id agent_id evaluator_id "
        "method evaluated_at score is_na critical_failed"
    ),
    ("survey", "employee_pulse"): _cols(
        "response_id wave team_id submitted_at sat_workload sat_environment sat_manager "
        "sat_growth sat_pay enps intent_to_stay"
    ),
    ("hr", "employees"): _cols(
        "employee_id agent_login full_name id_card_no mobile_no gender birth_date education "
        "employment_type site hire_date termination_date termination_type termination_reason "
        "status"
    ),
    ("hr", "job_history"): _cols(
        "employee_id effective_from effective_to action team_id supervisor_id job_level "
        "incentive_role salary_band"
    ),
    ("hr", "teams"): _cols("team_id team_name site line_of_business leader_employee_id created_on"),
    ("hr", "training"): _cols(
        "employee_id course_id started_on course_type hours completed_on score passed"
    ),
    ("hr", "incentives"): _cols(
        "employee_id period_month incentive_type amount_cny quality_linked"
    ),
    ("hr", "schedules"): _cols("employee_id shift_date activity starts_at ends_at"),
}

SOURCES = ("crm", "telephony", "survey", "hr")


@dataclass(frozen=True)
class FileStyle:
    """How one entity's file is written: encoding, line end, column order, extra columns."""

    encoding: str  # "gb18030" (no BOM), "utf-8" (no BOM) or "utf-8-sig" (with BOM)
    newline: str
    order: str = "contract"  # contract | reversed | rotated | shuffled
    extra: tuple[str, ...] = ()


CRLF, LF = "\r\n", "\n"
STYLES: dict[tuple[str, str], FileStyle] = {
    ("crm", "customers"): FileStyle("gb18030", CRLF, "shuffled"),
    ("crm", "distributors"): FileStyle("gb18030", LF),
    ("crm", "tickets"): FileStyle("gb18030", LF, "reversed"),
    ("crm", "chat_sessions"): FileStyle("gb18030", CRLF, "rotated"),
    ("telephony", "queues"): FileStyle("utf-8-sig", LF),
    ("telephony", "calls"): FileStyle("utf-8-sig", CRLF, "shuffled", ("dnis",)),
    ("telephony", "agent_states"): FileStyle("utf-8", LF, "rotated"),
    ("survey", "post_contact"): FileStyle("utf-8", CRLF, "rotated"),
    ("survey", "csi"): FileStyle("utf-8-sig", LF),
    ("survey", "qa_forms"): FileStyle("utf-8-sig", CRLF),
    ("survey", "qa_evaluations"): FileStyle("utf-8", LF, "shuffled"),
    ("survey", "employee_pulse"): FileStyle("utf-8-sig", CRLF, "reversed"),
    ("hr", "employees"): FileStyle("gb18030", CRLF, "shuffled"),
    ("hr", "job_history"): FileStyle("gb18030", LF),
    ("hr", "teams"): FileStyle("gb18030", CRLF, "reversed"),
    ("hr", "training"): FileStyle("gb18030", LF),
    ("hr", "incentives"): FileStyle("gb18030", CRLF, "rotated"),
    ("hr", "schedules"): FileStyle("gb18030", LF),
}


def header_for(source: str, entity: str) -> list[str]:
    """The header a file is written with (all contract columns, in the file's own order)."""
    cols = list(COLUMNS[(source, entity)])
    style = STYLES[(source, entity)]
    if style.order == "reversed":
        cols.reverse()
    elif style.order == "rotated":
        k = len(cols) // 3 or 1
        cols = cols[k:] + cols[:k]
    elif style.order == "shuffled":
        random.Random(f"{source}.{entity}").shuffle(cols)
    return cols + list(style.extra)


# --------------------------------------------------------------------------- formats
def local_ts(dt: datetime | None) -> str:
    """crm / survey / hr: naive Asia/Shanghai local time."""
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M:%S")


def utc_z(dt: datetime | None) -> str:
    """telephony: the local instant ``dt`` written in UTC with ``Z``."""
    return "" if dt is None else (dt - UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")


def hr_date(d: date | None) -> str:
    """hr writes dates ``YYYY/MM/DD`` (allowed by the contract)."""
    return "" if d is None else d.strftime("%Y/%m/%d")


def iso_date(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def num(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def at(d: date, hms: str) -> datetime:
    """Local datetime of ``d`` at ``HH:MM[:SS]``."""
    parts = [int(p) for p in hms.split(":")]
    return datetime.combine(d, time(*parts))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card_no(region: str, birth: date, seq: int) -> str:
    """18-character PRC resident ID number with its GB 11643 (ISO 7064 MOD 11-2) check."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


_MOBILE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "187",
    "188",
    "198",
    "130",
    "131",
    "132",
    "155",
    "156",
    "166",
    "176",
    "185",
    "186",
    "133",
    "153",
    "173",
    "177",
    "180",
    "181",
    "189",
    "199",
)


def mobile_no(rng: random.Random) -> str:
    """An 11-digit mainland mobile number ``1[3-9]x xxxx xxxx`` on a real operator prefix."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


REGIONS = (
    ("440305", "广东", "深圳"),
    ("440106", "广东", "广州"),
    ("510107", "四川", "成都"),
    ("110105", "北京", "北京"),
    ("310115", "上海", "上海"),
    ("330106", "浙江", "杭州"),
    ("420106", "湖北", "武汉"),
    ("410105", "河南", "郑州"),
    ("430104", "湖南", "长沙"),
    ("350203", "福建", "厦门"),
)


# --------------------------------------------------------------------------- HR master data
@dataclass
class Job:
    """One job_history row (effective_to is derived from the next visible row)."""

    effective_from: date
    action: str
    team_id: str
    supervisor_id: str | None
    job_level: str
    incentive_role: str
    salary_band: str


@dataclass
class Employee:
    employee_id: str
    agent_login: str | None
    full_name: str
    gender: str
    birth_date: date
    id_card_no: str
    mobile_no: str
    education: str
    employment_type: str
    site: str
    hire_date: date
    termination_date: date | None = None
    termination_type: str | None = None
    termination_reason: str | None = None
    jobs: list[Job] = field(default_factory=list)

    @property
    def idx(self) -> int:
        return int(self.employee_id[1:])

    def active(self, d: date) -> bool:
        return self.hire_date <= d and (self.termination_date is None or d <= self.termination_date)

    def job_on(self, d: date) -> Job:
        rows = [j for j in self.jobs if j.effective_from <= d and j.action != "termination"]
        return rows[-1]

    def team_on(self, d: date) -> str:
        return self.job_on(d).team_id


TEAMS = (
    # team_id, name, site, line of business, leader, created_on, supervisor (L5)
    ("TM-GEN-A", "综合服务一组", "深圳南山", "综合咨询", "E001", date(2019, 5, 6), "E035"),
    ("TM-GEN-B", "综合服务二组", "深圳南山", "综合咨询", "E009", date(2019, 5, 6), "E035"),
    (
        "TM-ONLINE",
        "在线客服组（APP/微信）",
        "成都高新",
        "在线渠道",
        "E017",
        date(2020, 9, 1),
        "E035",
    ),
    ("TM-PORT", "携号转网组", "深圳南山", "号码业务", "E024", date(2021, 11, 15), "E036"),
    ("TM-VIP", "政企VIP专席", "深圳南山", "政企客户", "E033", date(2021, 3, 1), "E036"),
    ("TM-OPS", "运营管理组", "深圳南山", "运营支撑", "E035", date(2019, 4, 1), None),
)
PHONE_TEAMS = ("TM-GEN-A", "TM-GEN-B", "TM-PORT", "TM-VIP")
CHAT_TEAMS = ("TM-ONLINE",)

# employee_id, login, team, level, hire date, name, gender
ROSTER = (
    ("E001", "A001", "TM-GEN-A", "L4", "2021-03-15", "何志强", "M"),
    ("E002", "A002", "TM-GEN-A", "L2", "2022-07-04", "刘婷", "F"),
    ("E003", "A003", "TM-GEN-A", "L2", "2023-02-20", "张伟", "M"),
    ("E004", "A004", "TM-GEN-A", "L2", "2023-09-11", "陈静", "F"),
    ("E005", "A005", "TM-GEN-A", "L2", "2024-04-08", "周㐀华", "F"),
    ("E006", "A006", "TM-GEN-A", "L2", "2024-10-14", "黄磊", "M"),
    ("E007", "A007", "TM-GEN-A", "L2", "2025-03-03", "吴敏", "F"),
    ("E008", "A008", "TM-GEN-A", "L1", "2025-08-18", "徐浩", "M"),
    ("E009", "A009", "TM-GEN-B", "L4", "2020-10-12", "罗建国", "M"),
    ("E010", "A010", "TM-GEN-B", "L2", "2022-05-16", "梁晓燕", "F"),
    ("E011", "A011", "TM-GEN-B", "L2", "2023-06-05", "宋佳", "F"),
    ("E012", "A012", "TM-GEN-B", "L2", "2023-12-04", "郑凯", "M"),
    ("E013", "A013", "TM-GEN-B", "L2", "2024-06-17", "谢丹", "F"),
    ("E014", "A014", "TM-GEN-B", "L2", "2025-01-06", "韩冰", "M"),
    ("E015", "A015", "TM-GEN-B", "L2", "2025-05-12", "唐诗", "F"),
    ("E016", "A016", "TM-GEN-B", "L1", "2025-12-08", "冯涛", "M"),
    ("E017", "A017", "TM-ONLINE", "L4", "2021-08-09", "曹慧", "F"),
    ("E018", "A018", "TM-ONLINE", "L3", "2022-03-21", "袁媛", "F"),
    ("E019", "A019", "TM-ONLINE", "L2", "2022-10-10", "邓超", "M"),
    ("E020", "A020", "TM-ONLINE", "L2", "2023-07-17", "许晴", "F"),
    ("E021", "A021", "TM-ONLINE", "L2", "2024-01-08", "傅明", "M"),
    ("E022", "A022", "TM-ONLINE", "L2", "2024-08-05", "沈璐", "F"),
    ("E023", "A023", "TM-ONLINE", "L2", "2025-04-14", "曾毅", "M"),
    ("E024", "A024", "TM-PORT", "L4", "2022-01-10", "吕刚", "M"),
    ("E025", "A025", "TM-PORT", "L3", "2022-06-13", "苏琪", "F"),
    ("E026", "A026", "TM-PORT", "L2", "2023-03-06", "卢斌", "M"),
    ("E027", "A027", "TM-PORT", "L2", "2023-10-16", "蒋欣", "F"),
    ("E028", "A028", "TM-PORT", "L2", "2024-03-18", "蔡勇", "M"),
    ("E029", "A029", "TM-PORT", "L2", "2024-09-23", "贾蕾", "F"),
    ("E030", "A030", "TM-PORT", "L2", "2025-02-17", "丁鹏", "M"),
    ("E031", "A031", "TM-PORT", "L2", "2025-07-07", "魏娜", "F"),
    ("E032", "A032", "TM-VIP", "L3", "2023-05-22", "阎立", "M"),
    ("E033", "A033", "TM-VIP", "L4", "2021-06-07", "林𠀀", "F"),
    ("E034", "A034", "TM-VIP", "L2", "2024-02-26", "钟岚", "F"),
    ("E035", "A035", "TM-OPS", "L5", "2019-04-01", "汪国栋", "M"),
    ("E036", "A036", "TM-OPS", "L5", "2020-03-02", "田秀英", "F"),
    ("E037", None, "TM-OPS", "L3", "2022-09-05", "任洁", "F"),
    # the 2025-11 hire cohort
    ("E038", "A038", "TM-GEN-A", "L1", "2025-11-17", "孙悦", "F"),
    ("E039", "A039", "TM-GEN-B", "L1", "2025-11-24", "于洋", "M"),
    ("E040", "A040", "TM-GEN-A", "L1", "2025-11-03", "马超", "M"),
    ("E041", "A041", "TM-GEN-B", "L1", "2025-11-24", "董雪", "F"),
    ("E042", "A042", "TM-PORT", "L1", "2025-11-28", "薛峰", "M"),
    ("E043", "A043", "TM-GEN-A", "L1", "2025-11-10", "朱琳", "F"),
    # hires inside the window (E044 gets the recycled login of E027)
    ("E044", "A027", "TM-PORT", "L1", "2026-03-09", "叶子㐀", "F"),
    ("E045", "A045", "TM-GEN-B", "L1", "2026-03-16", "萧𠀀", "M"),
    # earlier leavers and a rehire
    ("E046", "A046", "TM-GEN-B", "L2", "2024-05-06", "程亮", "M"),
    ("E047", "A047", "TM-ONLINE", "L1", "2025-12-01", "彭芳", "F"),
    ("E048", "A048", "TM-GEN-A", "L2", "2025-06-16", "郭强", "M"),
)
TERMINATIONS = {
    "E040": ("2025-12-19", "voluntary", "workload"),  # 46 days after hire
    "E043": ("2026-02-10", "voluntary", "pay"),  # 92 days
    "E041": ("2026-02-21", "voluntary", "career"),  # 89 days
    "E042": ("2026-02-26", "involuntary", "performance"),  # 90 days
    "E046": ("2026-01-15", "voluntary", "relocation"),
    "E047": ("2026-02-05", "voluntary", "workload"),
    "E027": ("2026-03-06", "voluntary", "pay"),
    "E012": ("2026-03-13", "voluntary", "career"),
    "E030": ("2026-03-17", "involuntary", "performance"),
}
# employee_id, effective_from, action, team (None = unchanged), level (None), role (None)
JOB_CHANGES = (
    ("E010", "2024-09-01", "promotion", None, "L3", None),
    ("E002", "2025-07-01", "promotion", None, "L3", None),
    ("E018", "2025-09-01", "role_change", None, None, "internal_trainer"),
    ("E025", "2025-10-01", "role_change", None, None, "mentor"),
    ("E003", "2026-01-01", "role_change", None, None, "star_agent"),
    ("E008", "2026-02-01", "promotion", None, "L2", None),
    ("E032", "2026-03-12", "transfer", "TM-PORT", None, None),
)
_BAND = {f"L{i}": f"S{i}（{'一二三四五'[i - 1]}档）" for i in range(1, 6)}


def _d(s: str) -> date:
    return date.fromisoformat(s)


def build_employees(rng: random.Random) -> list[Employee]:
    """The HR master: every employee with a complete job history."""
    supervisor = {t[0]: t[6] for t in TEAMS}
    out = []
    for i, (eid, login, team, level, hired, name, gender) in enumerate(ROSTER):
        birth = date(1985 + i % 16, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
        region = REGIONS[i % len(REGIONS)][0]
        seq = 100 + 2 * i + (1 if gender == "M" else 0)  # odd sequence digit = male
        sup = supervisor[team] if eid not in ("E036", "E037") else "E035"
        emp = Employee(
            employee_id=eid,
            agent_login=login,
            full_name=name,
            gender=gender,
            birth_date=birth,
            id_card_no=id_card_no(region, birth, seq),
            mobile_no=mobile_no(rng),
            education=("college", "bachelor", "high_school", "bachelor", "master")[i % 5],
            employment_type=("regular", "regular", "dispatched", "regular", "intern")[i % 5]
            if level in ("L1", "L2")
            else "regular",
            site=next(t[2] for t in TEAMS if t[0] == team),
            hire_date=_d(hired),
        )
        if eid == "E048":  # first spell 2023-04-03 .. 2024-08-31, rehired 2025-06-16
            emp.jobs.append(Job(_d("2023-04-03"), "hire", team, sup, "L2", "none", _BAND["L2"]))
            emp.jobs.append(
                Job(_d("2024-09-01"), "termination", team, sup, "L2", "none", _BAND["L2"])
            )
            emp.jobs.append(Job(_d(hired), "rehire", team, sup, level, "none", _BAND[level]))
        else:
            emp.jobs.append(Job(_d(hired), "hire", team, sup, level, "none", _BAND[level]))
        if eid in TERMINATIONS:
            last, kind, reason = TERMINATIONS[eid]
            emp.termination_date = _d(last)
            emp.termination_type, emp.termination_reason = kind, reason
        out.append(emp)
    by_id = {e.employee_id: e for e in out}
    for eid, eff, action, team, level, role in JOB_CHANGES:
        emp = by_id[eid]
        cur = emp.jobs[-1]
        new_team = team or cur.team_id
        new_level = level or cur.job_level
        emp.jobs.append(
            Job(
                _d(eff),
                action,
                new_team,
                supervisor[new_team],
                new_level,
                role or cur.incentive_role,
                _BAND[new_level],
            )
        )
    for emp in out:
        emp.jobs.sort(key=lambda j: j.effective_from)
        if emp.termination_date is not None:  # the row starts the day after the last day
            cur = emp.jobs[-1]
            emp.jobs.append(
                Job(
                    emp.termination_date + timedelta(days=1),
                    "termination",
                    cur.team_id,
                    cur.supervisor_id,
                    cur.job_level,
                    cur.incentive_role,
                    cur.salary_band,
                )
            )
    return out


# --------------------------------------------------------------------------- CRM customers
@dataclass
class Customer:
    customer_id: str
    name: str
    mobile: str
    id_card: str
    gender: str
    birth: date
    province: str
    city: str
    segment: str
    product_line: str
    plan_code: str
    distributor_id: str
    level: int
    activation: date
    available_from: date
    versions: list[tuple[datetime, str, str, int]] = field(default_factory=list)
    """(updated_at, status, plan_code, customer_level) per delivered version."""


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏建红辉宇晨浩然欣怡子轩梓涵一诺雨泽思远嘉怡㐀𠀀"  # noqa: E501
PLANS = {
    "sim": ("SIM-19", "SIM-29"),
    "4g": ("4G-58", "4G-88"),
    "5g": ("5G-129", "5G-199", "5G-299"),
    "broadband": ("BB-100M", "BB-500M", "BB-1000M"),
}
DISTRIBUTORS = (
    ("DS-GD-01", "深圳华强北通讯城（旗舰店）", "retail", "广东", date(2019, 3, 1), "active"),
    ("DS-GD-02", "广州天河卡号专营", "agent", "广东", date(2020, 6, 15), "active"),
    ("DS-SC-01", "成都春熙路营业厅", "retail", "四川", date(2018, 9, 10), "active"),
    ("DS-BJ-01", "北京中关村数码", "agent", "北京", date(2021, 1, 20), "suspended"),
    ("DS-SH-01", "上海陆家嘴合作厅", "retail", "上海", date(2019, 11, 5), "active"),
    ("DS-ON-01", "官方APP商城", "online", "广东", date(2017, 1, 1), "active"),
    ("DS-ON-02", "天猫旗舰店", "online", "浙江", date(2018, 4, 12), "active"),
    ("DS-ON-03", "京东号卡专营", "online", "北京", date(2019, 8, 8), "active"),
    ("DS-HB-01", "武汉光谷代理（𠀀记）", "agent", "湖北", date(2022, 5, 30), "active"),
    ("DS-HN-01", "长沙五一广场代理", "agent", "湖南", date(2023, 2, 14), "active"),
)


def _chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _new_customer(rng: random.Random, n: int, activation: date, available: date) -> Customer:
    region, province, city = rng.choice(REGIONS)
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    gender = rng.choice("MF")
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
    product = rng.choice(("sim", "4g", "5g", "5g", "broadband"))
    return Customer(
        customer_id=f"CU{n:05d}",
        name=_chinese_name(rng),
        mobile=mobile_no(rng),
        id_card=id_card_no(region, birth, seq),
        gender=gender,
        birth=birth,
        province=province,
        city=city,
        segment="enterprise" if rng.random() < 0.12 else "individual",
        product_line=product,
        plan_code=rng.choice(PLANS[product]),
        distributor_id=rng.choice(DISTRIBUTORS)[0],
        level=rng.randint(1, 7),
        activation=activation,
        available_from=available,
    )


# --------------------------------------------------------------------------- telephony
QUEUES = (
    # queue_id, name, product line, sl_threshold_s, short_abandon_s
    ("Q-GEN", "综合咨询", "4g", 20, 5),
    ("Q-BILL", "账单与缴费", "5g", 30, 10),
    ("Q-NET", "网络故障报修", "broadband", 20, 5),
    ("Q-PORT", "携号转网咨询", "sim", 15, 5),
    ("Q-VIP", "政企VIP专线", "5g", 10, 3),
    ("VQ-PORT-IN", "携号转入专线（临时活动）", "sim", 30, 8),
)
TEAM_QUEUES = {
    "TM-GEN-A": ("Q-GEN", "Q-BILL"),
    "TM-GEN-B": ("Q-GEN", "Q-NET"),
    "TM-PORT": ("Q-PORT",),
    "TM-VIP": ("Q-VIP",),
}
TRANSFER_TARGET = {
    "Q-GEN": "Q-BILL",
    "Q-BILL": "Q-GEN",
    "Q-NET": "Q-GEN",
    "Q-PORT": "Q-GEN",
    "Q-VIP": "Q-GEN",
}


@dataclass
class Call:
    day: date
    ani: str
    customer: Customer | None
    legs: list[Leg] = field(default_factory=list)
    planted: bool = False
    call_id: str = ""

    @property
    def start(self) -> datetime:
        first = self.legs[0]
        return first.enqueued or first.answered or first.ended

    @property
    def last_handled(self) -> Leg | None:
        handled = [leg for leg in self.legs if leg.handled]
        return handled[-1] if handled else None


@dataclass
class Leg:
    call: Call
    segment_no: int
    direction: str
    queue_id: str | None
    employee: Employee | None
    enqueued: datetime | None
    answered: datetime | None
    ended: datetime
    ring_s: int
    talk_s: int
    hold_s: int
    acw_s: int
    disposition: str
    transfer_to: str | None = None

    @property
    def handled(self) -> bool:
        return self.answered is not None and self.employee is not None

    @property
    def busy_until(self) -> datetime:
        return self.ended + timedelta(seconds=self.acw_s)


@dataclass
class AgentDay:
    emp: Employee
    day: date
    mode: str  # phone | chat | training | leave
    shift: tuple[datetime, datetime]
    activities: list[tuple[str, datetime, datetime]]
    exclusive: bool = False
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)

    def free(self, start: datetime, end: datetime) -> bool:
        if start < self.shift[0] or end > self.shift[1] - timedelta(minutes=1):
            return False
        pad = timedelta(seconds=20)
        return all(end + pad <= b0 or start - pad >= b1 for b0, b1 in self.busy)

    def add(self, leg: Leg) -> None:
        self.legs.append(leg)
        self.busy.append((leg.answered, leg.busy_until))  # type: ignore[arg-type]


SHIFTS = {
    "early": (
        "08:00",
        "17:00",
        (("break", "10:30", "10:45"), ("lunch", "12:00", "13:00"), ("break", "15:30", "15:45")),
    ),
    "late": (
        "13:00",
        "22:00",
        (("break", "15:30", "15:45"), ("lunch", "17:30", "18:30"), ("break", "20:00", "20:15")),
    ),
    "training": (
        "09:00",
        "18:00",
        (
            ("training", "09:00", "12:00"),
            ("lunch", "12:00", "13:00"),
            ("training", "13:00", "18:00"),
        ),
    ),
    "leave": ("08:00", "17:00", (("leave", "08:00", "17:00"),)),
}


# --------------------------------------------------------------------------- CRM chats, tickets
@dataclass
class Chat:
    day: date
    customer: Customer | None
    channel: str
    queue_id: str
    employee: Employee | None
    requested: datetime
    first_msg: datetime | None
    ended: datetime
    customer_msgs: int
    agent_msgs: int
    slot: int
    outcome: str
    planted: bool = False
    chat_id: str = ""


@dataclass
class Ticket:
    customer: Customer
    channel: str
    category: str
    priority: str
    is_complaint: bool
    complaint_source: str | None
    origin_call: Call | None
    origin_chat: Chat | None
    assignee: Employee
    created: datetime
    first_reply: datetime | None
    resolved: datetime | None
    reopened: datetime | None = None
    resolved_again: datetime | None = None
    closed: datetime | None = None
    planted: bool = False
    ticket_id: str = ""

    def versions(self) -> list[tuple[datetime, dict[str, str]]]:
        """The ticket's state after each change (the CRM's accumulating snapshot)."""
        state: dict[str, object] = {
            "status": "new",
            "first_reply_at": None,
            "resolved_at": None,
            "closed_at": None,
            "reopen_count": 0,
        }
        events: list[tuple[datetime, dict[str, object]]] = [(self.created, {})]
        if self.first_reply:
            events.append(
                (self.first_reply, {"status": "open", "first_reply_at": self.first_reply})
            )
        if self.resolved:
            events.append((self.resolved, {"status": "solved", "resolved_at": self.resolved}))
        if self.reopened:
            events.append(
                (self.reopened, {"status": "open", "resolved_at": None, "reopen_count": 1})
            )
        if self.resolved_again:
            events.append(
                (self.resolved_again, {"status": "solved", "resolved_at": self.resolved_again})
            )
        if self.closed:
            events.append((self.closed, {"status": "closed", "closed_at": self.closed}))
        out = []
        for when, change in sorted(events, key=lambda e: e[0]):
            state.update(change)
            out.append((when, self._row(state, when)))
        return out

    def _row(self, state: dict[str, object], updated: datetime) -> dict[str, str]:
        return {
            "ticket_id": self.ticket_id,
            "customer_id": self.customer.customer_id,
            "channel": self.channel,
            "category": self.category,
            "priority": self.priority,
            "is_complaint": yn(self.is_complaint),
            "complaint_source": self.complaint_source or "",
            "origin_call_id": self.origin_call.call_id if self.origin_call else "",
            "origin_chat_id": self.origin_chat.chat_id if self.origin_chat else "",
            "assignee_agent_id": self.assignee.employee_id,
            "created_at": local_ts(self.created),
            "first_reply_at": local_ts(state["first_reply_at"]),  # type: ignore[arg-type]
            "resolved_at": local_ts(state["resolved_at"]),  # type: ignore[arg-type]
            "closed_at": local_ts(state["closed_at"]),  # type: ignore[arg-type]
            "status": str(state["status"]),
            "reopen_count": str(state["reopen_count"]),
            "updated_at": local_ts(updated),
        }


# --------------------------------------------------------------------------- scenario
@dataclass
class Scenario:
    """What the test needs to know about the deliveries it did not write itself."""

    landing: Path
    start: date
    end: date
    rows: dict[str, int]
    """Data rows written per ``source.entity`` over the window (every file of every day)."""
    offered_total: int
    answered_total: int
    abandoned_total: int
    handled_by_employee_with_login: dict[str, dict[str, int]]
    """``login -> employee_id -> handled segments`` for the recycled login."""
    # planted facts
    sl_queue: str = "VQ-PORT-IN"
    sl_date: date = date(2026, 3, 10)
    aht_employee: str = "E005"
    aht_team: str = "TM-GEN-A"
    csat_team: str = "TM-VIP"
    mover: str = "E032"
    mover_to_team: str = "TM-PORT"
    transfer_date: date = date(2026, 3, 12)
    turnover_team: str = "TM-PORT"
    month: date = date(2026, 3, 1)
    cohort_month: date = date(2025, 11, 1)
    recycled_login: str = "A027"
    login_first_holder: str = "E027"
    login_second_holder: str = "E044"
    planted_call_ids: dict[str, str] = field(default_factory=dict)
    pii_values: frozenset[str] = frozenset()
    """Every clear PII value written (names, mobile and ID-card numbers, caller numbers)."""


# --------------------------------------------------------------------------- the generator
class _World:
    """Builds every record of the window, then writes one delivery per source and day."""

    def __init__(self, start: date, days: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.days = [start + timedelta(days=i) for i in range(days)]
        self.end = self.days[-1]
        self.employees = build_employees(self.rng)
        self.emp = {e.employee_id: e for e in self.employees}
        self.customers: list[Customer] = []
        self.calls: list[Call] = []
        self.chats: list[Chat] = []
        self.tickets: list[Ticket] = []
        self.agent_days: dict[tuple[str, date], AgentDay] = {}
        self.posts: list[dict[str, str]] = []  # post_contact rows with "_day"
        self.planted_ids: dict[str, object] = {}

    # ---------------------------------------------------------------- customers
    def build_customers(self) -> None:
        rng = self.rng
        n = 0
        rerating = at(self.start, "02:00")  # the monthly star-level re-rating batch
        for _ in range(1200):
            n += 1
            act = date(2015, 1, 1) + timedelta(
                days=rng.randrange((self.start - date(2015, 1, 1)).days)
            )
            c = _new_customer(rng, n, act, self.start)
            c.versions.append((rerating + timedelta(seconds=3 * n), "active", c.plan_code, c.level))
            self.customers.append(c)
        for d in self.days:
            for _ in range(12):  # activations of the day
                n += 1
                c = _new_customer(rng, n, d, d + timedelta(days=1))
                when = at(d, "09:00") + timedelta(seconds=rng.randrange(12 * 3600))
                c.versions.append((when, "active", c.plan_code, c.level))
                self.customers.append(c)
            if d == self.start:
                continue
            for c in rng.sample([c for c in self.customers if c.available_from <= d], 8):
                when = at(d, "08:30") + timedelta(seconds=rng.randrange(13 * 3600))
                _, status, plan, level = c.versions[-1]
                if rng.random() < 0.6:
                    plan = rng.choice(PLANS[c.product_line])
                else:
                    status = "suspended" if status == "active" else "active"
                c.versions.append((when, status, plan, level))

    def pool(self, d: date) -> list[Customer]:
        return [c for c in self.customers if c.available_from <= d]

    # ---------------------------------------------------------------- who works when
    def plan_agent_days(self) -> None:
        forced = {
            ("E005", date(2026, 3, 10)): "early",
            ("E010", date(2026, 3, 10)): "early",
            **{("E032", date(2026, 3, x)): "early" for x in (5, 6, 9, 16)},
            **{("E033", date(2026, 3, x)): "early" for x in (8, 18, 20)},
            ("E034", date(2026, 3, 15)): "early",
            ("E044", date(2026, 3, 9)): "training",
            ("E044", date(2026, 3, 10)): "training",
            ("E045", date(2026, 3, 16)): "training",
            ("E045", date(2026, 3, 17)): "training",
            ("E015", date(2026, 3, 12)): "leave",
        }
        for d in self.days:
            for e in self.employees:
                if not e.active(d) or e.agent_login is None:
                    continue
                team = e.team_on(d)
                if team not in PHONE_TEAMS + CHAT_TEAMS:
                    continue
                kind = forced.get((e.employee_id, d))
                if kind is None:
                    if (d.toordinal() + e.idx) % 7 in (2, 5):
                        continue  # day off
                    if e.employee_id in ("E044", "E045") and d < e.hire_date + timedelta(days=2):
                        continue
                    kind = "early" if (d.toordinal() // 7 + e.idx) % 2 == 0 else "late"
                s0, s1, acts = SHIFTS[kind]
                mode = (
                    kind
                    if kind in ("training", "leave")
                    else ("phone" if team in PHONE_TEAMS else "chat")
                )
                ad = AgentDay(
                    e,
                    d,
                    mode,
                    (at(d, s0), at(d, s1)),
                    [(a, at(d, t0), at(d, t1)) for a, t0, t1 in acts],
                    exclusive=(e.employee_id, d) == ("E005", date(2026, 3, 10)),
                )
                ad.busy = [(t0, t1) for a, t0, t1 in ad.activities]
                self.agent_days[(e.employee_id, d)] = ad

    # ---------------------------------------------------------------- planted calls
    def _leg(
        self,
        call: Call,
        seg: int,
        queue: str | None,
        emp: Employee | None,
        enq: datetime | None,
        wait: int | None,
        talk: int,
        hold: int,
        acw: int,
        disposition: str,
        transfer_to: str | None = None,
        direction: str = "inbound",
    ) -> Leg:
        if wait is not None and disposition in ("answered", "transferred"):
            answered = (enq + timedelta(seconds=wait)) if enq else None
        else:
            answered = None
        if answered is not None:
            ended = answered + timedelta(seconds=talk + hold)
            ring = min(wait or 0, 2 + (talk % 7))
        else:
            ended = enq + timedelta(seconds=wait or 0)  # type: ignore[operator]
            ring = 0
        leg = Leg(
            call,
            seg,
            direction,
            queue,
            emp,
            enq,
            answered,
            ended,
            ring,
            talk,
            hold,
            acw,
            disposition,
            transfer_to,
        )
        call.legs.append(leg)
        return leg

    def plant_queue_day(self) -> None:
        """VQ-PORT-IN on 2026-03-10: 6 answered (by E005), 4 abandoned, 1 callback."""
        d = date(2026, 3, 10)
        p = self.agent_days[("E005", d)]
        q = self.agent_days[("E010", d)]
        pool = self.pool(d)
        # name, enqueued (local), wait s, talk, hold, acw, disposition
        plan = (
            ("c1", "07:59:00", 90, 200, 10, 25, "answered"),  # waited over the 08:00 opening
            ("a1", "08:20:00", 4, 0, 0, 0, "abandoned"),
            ("c2", "09:00:00", 8, 180, 0, 30, "answered"),
            ("a2", "09:30:00", 8, 0, 0, 0, "abandoned"),
            ("c3", "10:15:00", 17, 240, 20, 40, "answered"),
            ("cb", "10:40:00", 40, 0, 0, 0, "callback"),
            ("c4", "11:00:00", 30, 300, 60, 45, "answered"),
            ("a3", "13:30:00", 25, 0, 0, 0, "abandoned"),
            ("c5", "14:00:00", 31, 120, 0, 20, "answered"),
            ("c6", "15:00:00", 45, 420, 30, 60, "transferred"),
            ("a4", "16:00:00", 70, 0, 0, 0, "abandoned"),
        )
        for k, (name, enq, wait, talk, hold, acw, disp) in enumerate(plan):
            cust = pool[k * 37]
            call = Call(d, cust.mobile, cust if k % 3 else None, planted=True)
            if call.customer is None:
                call.ani = mobile_no(self.rng)
            handled = disp in ("answered", "transferred")
            leg = self._leg(
                call,
                1,
                "VQ-PORT-IN",
                p.emp if handled else None,
                at(d, enq),
                wait,
                talk,
                hold,
                acw,
                disp,
                "Q-GEN" if disp == "transferred" else None,
            )
            if handled:
                p.add(leg)
            if disp == "transferred":  # the second leg: Q-GEN, answered by E010 after 12 s
                leg2 = self._leg(call, 2, "Q-GEN", q.emp, leg.ended, 12, 240, 0, 30, "answered")
                assert q.free(leg2.answered, leg2.busy_until)  # type: ignore[arg-type]
                q.add(leg2)
            self.calls.append(call)
            self.planted_ids[f"queue_{name}"] = call

    def plant_survey_contacts(self) -> None:
        """Single-leg answered calls at 14:00 whose post-contact responses are planted."""
        for key, eid, day in (
            ("r1", "E032", 5),
            ("r2", "E032", 6),
            ("r3", "E032", 9),
            ("r8", "E032", 16),
            ("r4", "E033", 18),
            ("r5", "E033", 20),
        ):
            d = date(2026, 3, day)
            ad = self.agent_days[(eid, d)]
            cust = self.pool(d)[day * 11 + ad.emp.idx]
            queue = TEAM_QUEUES[ad.emp.team_on(d)][0]
            call = Call(d, cust.mobile, cust, planted=True)
            leg = self._leg(call, 1, queue, ad.emp, at(d, "13:59:50"), 10, 260, 0, 40, "answered")
            ad.add(leg)
            self.calls.append(call)
            self.planted_ids[key] = call

    # ---------------------------------------------------------------- background calls
    def background_calls(self) -> None:
        rng = self.rng
        for (_, d), ad in sorted(self.agent_days.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if ad.mode != "phone" or ad.exclusive:
                continue
            pool = self.pool(d)
            queues = TEAM_QUEUES[ad.emp.team_on(d)]
            t = ad.shift[0] + timedelta(seconds=rng.randint(60, 600))
            while t < ad.shift[1]:
                talk = rng.randint(60, 600) if rng.random() < 0.9 else rng.randint(600, 1800)
                hold = 0 if rng.random() < 0.6 else rng.randint(10, 180)
                acw = rng.randint(10, 120)
                end = t + timedelta(seconds=talk + hold + acw)
                if end > ad.shift[1] - timedelta(minutes=2):
                    break
                if not ad.free(t, end):
                    t += timedelta(seconds=rng.randint(60, 400))
                    continue
                cust = rng.choice(pool) if rng.random() < 0.85 else None
                outbound = cust is not None and rng.random() < 0.08
                call = Call(d, cust.mobile if cust else mobile_no(rng), cust)
                if outbound:
                    leg = Leg(
                        call,
                        1,
                        "outbound",
                        None,
                        ad.emp,
                        None,
                        t,
                        t + timedelta(seconds=talk + hold),
                        rng.randint(5, 20),
                        talk,
                        hold,
                        acw,
                        "answered",
                    )
                    call.legs.append(leg)
                else:
                    wait = rng.randint(3, 40) if rng.random() < 0.8 else rng.randint(41, 180)
                    enq = t - timedelta(seconds=wait)
                    leg = self._leg(
                        call, 1, rng.choice(queues), ad.emp, enq, wait, talk, hold, acw, "answered"
                    )
                ad.add(leg)
                self.calls.append(call)
                t = end + timedelta(seconds=rng.randint(240, 1800))

    def background_transfers(self) -> None:
        rng = self.rng
        for call in list(self.calls):
            leg = call.legs[0]
            if call.planted or leg.direction != "inbound" or len(call.legs) > 1:
                continue
            if rng.random() >= 0.05:
                continue
            target = TRANSFER_TARGET[leg.queue_id]  # type: ignore[index]
            wait, talk, hold, acw = rng.randint(5, 40), rng.randint(60, 500), 0, rng.randint(10, 90)
            ans = leg.ended + timedelta(seconds=wait)
            until = ans + timedelta(seconds=talk + hold + acw)
            candidates = [
                ad
                for (eid, d), ad in sorted(self.agent_days.items())
                if d == call.day
                and ad.mode == "phone"
                and not ad.exclusive
                and ad.emp is not leg.employee
                and target in TEAM_QUEUES[ad.emp.team_on(d)]
                and ad.free(ans, until)
            ]
            if not candidates:
                continue
            ad = rng.choice(candidates)
            leg.disposition, leg.transfer_to = "transferred", target
            leg2 = self._leg(call, 2, target, ad.emp, leg.ended, wait, talk, hold, acw, "answered")
            ad.add(leg2)

    def background_unanswered(self) -> None:
        rng = self.rng
        for d in self.days:
            for queue in ("Q-GEN", "Q-BILL", "Q-NET", "Q-PORT", "Q-VIP"):
                answered = sum(
                    1
                    for c in self.calls
                    if c.day == d
                    for g in c.legs
                    if g.queue_id == queue and g.answered is not None
                )
                n_ab = max(1, round(answered * 0.07))
                n_cb = round(answered * 0.02)
                n_fo = 1 if queue == "Q-GEN" else 0
                for kind, n in (("abandoned", n_ab), ("callback", n_cb), ("flowout", n_fo)):
                    for _ in range(n):
                        enq = at(d, "08:05") + timedelta(seconds=rng.randrange(13 * 3600 + 1800))
                        cust = rng.choice(self.pool(d)) if rng.random() < 0.6 else None
                        call = Call(d, cust.mobile if cust else mobile_no(rng), cust)
                        wait = {
                            "abandoned": rng.randint(2, 150),
                            "callback": rng.randint(30, 200),
                            "flowout": 60,
                        }[kind]
                        target = "Q-BILL" if kind == "flowout" else None
                        leg = self._leg(call, 1, queue, None, enq, wait, 0, 0, 0, kind, target)
                        if kind == "flowout":  # the caller then gave up in the second queue
                            self._leg(call, 2, "Q-BILL", None, leg.ended, 15, 0, 0, 0, "abandoned")
                        self.calls.append(call)

    def assign_call_ids(self) -> None:
        by_day: dict[date, list[Call]] = defaultdict(list)
        for c in self.calls:
            by_day[c.day].append(c)
        for d, calls in by_day.items():
            calls.sort(key=lambda c: (c.start, c.legs[0].queue_id or ""))
            for n, c in enumerate(calls, 1):
                c.call_id = f"CALL-{d:%Y%m%d}-{n:05d}"
        self.calls.sort(key=lambda c: c.call_id)

    # ---------------------------------------------------------------- chats and tickets
    def chats_and_tickets(self) -> None:
        rng = self.rng
        chan_queue = {"app": "CQ-APP", "wechat": "CQ-WECHAT", "web": "CQ-WEB"}
        for d in self.days:
            pool = self.pool(d)
            for (_, dd), ad in sorted(self.agent_days.items(), key=lambda kv: kv[0]):
                if dd != d or ad.mode != "chat":
                    continue
                t = ad.shift[0] + timedelta(seconds=rng.randint(60, 900))
                mine: list[Chat] = []
                while t < ad.shift[1] - timedelta(minutes=30):
                    first = t + timedelta(seconds=rng.randint(5, 90))
                    ended = first + timedelta(seconds=rng.randint(180, 1500))
                    if ad.free(t, t) and ended < ad.shift[1]:
                        slot = 1 + sum(1 for c in mine if c.ended > first)
                        if slot <= 3:
                            channel = rng.choice(("app", "wechat", "wechat", "web"))
                            cust = rng.choice(pool) if rng.random() < 0.9 else None
                            chat = Chat(
                                d,
                                cust,
                                channel,
                                chan_queue[channel],
                                ad.emp,
                                t,
                                first,
                                ended,
                                rng.randint(3, 25),
                                rng.randint(3, 20),
                                slot,
                                "handled",
                            )
                            mine.append(chat)
                            self.chats.append(chat)
                    t += timedelta(seconds=rng.randint(300, 1500))
            for outcome, n in (("abandoned", 6), ("bot_resolved", 4)):
                for _ in range(n):
                    req = at(d, "08:10") + timedelta(seconds=rng.randrange(13 * 3600))
                    channel = rng.choice(("app", "wechat", "web"))
                    self.chats.append(
                        Chat(
                            d,
                            rng.choice(pool) if rng.random() < 0.7 else None,
                            channel,
                            chan_queue[channel],
                            None,
                            req,
                            None,
                            req + timedelta(seconds=rng.randint(20, 240)),
                            rng.randint(1, 6),
                            0 if outcome == "abandoned" else rng.randint(1, 4),
                            1,
                            outcome,
                        )
                    )
        # planted: E033's chat of 2026-03-08
        d = date(2026, 3, 8)
        planted = Chat(
            d,
            self.pool(d)[808],
            "web",
            "CQ-WEB",
            self.emp["E033"],
            at(d, "16:00:00"),
            at(d, "16:00:40"),
            at(d, "16:12:10"),
            9,
            8,
            1,
            "handled",
            planted=True,
        )
        self.chats.append(planted)
        self.planted_ids["r6"] = planted
        by_day: dict[date, list[Chat]] = defaultdict(list)
        for c in self.chats:
            by_day[c.day].append(c)
        for d, chats in by_day.items():
            chats.sort(key=lambda c: (c.requested, c.queue_id))
            for n, c in enumerate(chats, 1):
                c.chat_id = f"CHT-{d:%m%d}-{n:04d}"
        self.chats.sort(key=lambda c: c.chat_id)

        # tickets: from handled calls and chats, plus email / social / app
        for call in self.calls:
            leg = call.last_handled
            if call.planted or leg is None or call.customer is None or rng.random() >= 0.12:
                continue
            created = leg.answered + timedelta(seconds=leg.talk_s // 2)  # type: ignore[operator]
            self.tickets.append(
                self._ticket(
                    call.customer,
                    "phone",
                    leg.employee,
                    created,  # type: ignore[arg-type]
                    origin_call=call,
                )
            )
        for chat in self.chats:
            if chat.outcome != "handled" or chat.customer is None or chat.planted:
                continue
            if rng.random() < 0.15:
                created = chat.first_msg + timedelta(seconds=60)  # type: ignore[operator]
                self.tickets.append(
                    self._ticket(
                        chat.customer,
                        "chat",
                        chat.employee,
                        created,  # type: ignore[arg-type]
                        origin_chat=chat,
                    )
                )
        for d in self.days:
            online = [
                ad.emp
                for (_, dd), ad in sorted(self.agent_days.items())
                if dd == d and ad.mode == "chat"
            ]
            pool = self.pool(d)
            for _ in range(12):
                created = at(d, "00:20") + timedelta(seconds=rng.randrange(23 * 3600))
                channel = rng.choice(("email", "social", "app", "app"))
                self.tickets.append(
                    self._ticket(rng.choice(pool), channel, rng.choice(online), created)
                )
        d = date(2026, 3, 15)  # planted: E034's e-mail ticket
        planted_t = Ticket(
            self.pool(d)[515],
            "email",
            "plan_change",
            "normal",
            False,
            None,
            None,
            None,
            self.emp["E034"],
            at(d, "14:30:00"),
            at(d, "15:10:00"),
            at(d, "16:40:00"),
            closed=at(d + timedelta(days=2), "16:40:00"),
            planted=True,
        )
        self.tickets.append(planted_t)
        self.planted_ids["r7"] = planted_t
        self.tickets.sort(key=lambda t: (t.created, t.assignee.employee_id))
        per_day: dict[date, int] = defaultdict(int)
        for t in self.tickets:
            per_day[t.created.date()] += 1
            t.ticket_id = f"TCK-{t.created:%y%m%d}-{per_day[t.created.date()]:04d}"

    def _ticket(
        self,
        cust: Customer,
        channel: str,
        emp: Employee,
        created: datetime,
        origin_call: Call | None = None,
        origin_chat: Chat | None = None,
    ) -> Ticket:
        rng = self.rng
        category = rng.choice(
            (
                "activation",
                "billing",
                "billing",
                "network",
                "number_porting",
                "plan_change",
                "sim_delivery",
                "account",
                "other",
            )
        )
        complaint = rng.random() < 0.08
        source = rng.choice(("internal", "hotline_10086", "regulator", "consumer_assoc"))
        first = created + timedelta(
            seconds=rng.randint(60, 600 if channel in ("phone", "chat") else 5 * 3600)
        )
        resolved = first + timedelta(seconds=rng.randint(600, 3 * 86400))
        t = Ticket(
            cust,
            channel,
            category,
            rng.choice(("low", "normal", "normal", "high", "urgent")),
            complaint,
            source if complaint else None,
            origin_call,
            origin_chat,
            emp,
            created,
            first,
            resolved,
        )
        if rng.random() < 0.06:
            t.reopened = resolved + timedelta(hours=rng.randint(6, 30))
            t.resolved_again = t.reopened + timedelta(hours=rng.randint(2, 30))
            t.closed = t.resolved_again + timedelta(days=2)
        else:
            t.closed = resolved + timedelta(days=2)
        return t

    # ---------------------------------------------------------------- surveys
    COMMENTS = (
        "客服态度很好，问题一次解决",
        "等待时间太长了, 希望改进",
        '客服说"马上处理"，结果等了两天',
        "第一次打没人接\n第二次才接通，还算耐心",
        "资费说明不清楚；套餐变更后扣费异常",
        "非常满意👍",
        "名字里有生僻字𠀀，系统终于能显示了",
        "",
        "",
        '携号转网流程太复杂，"授权码"收不到',
    )

    def _post(
        self,
        rid: int,
        ctype: str,
        cid: str,
        cust: Customer | None,
        emp: Employee,
        sent: datetime,
        responded: datetime,
        csat: int | None,
        nps: int | None,
        ces: int | None,
        fcr: bool | None,
        comment: str,
    ) -> None:
        self.posts.append(
            {
                "_day": responded.date().isoformat(),
                "response_id": f"RSP-PC-{rid:06d}",
                "contact_type": ctype,
                "contact_id": cid,
                "customer_id": cust.customer_id if cust else "",
                "agent_id": emp.employee_id,
                "sent_at": local_ts(sent),
                "responded_at": local_ts(responded),
                "csat": num(csat),
                "nps": num(nps),
                "ces": num(ces),
                "resolved_first_contact": "" if fcr is None else yn(fcr),
                "comment": comment,
            }
        )

    def surveys(self) -> None:
        rng = self.rng
        excluded = {"E032", "E033", "E034"}  # TM-VIP: its responses are only the planted ones
        rid = 0
        contacts: list[tuple[str, str, Customer, Employee, datetime]] = []
        for call in self.calls:
            leg = call.last_handled
            if call.planted or leg is None or call.customer is None or len(call.legs) > 1:
                continue
            if leg.direction == "inbound":
                contacts.append(("call", call.call_id, call.customer, leg.employee, leg.busy_until))  # type: ignore[arg-type]
        for chat in self.chats:
            if chat.outcome == "handled" and chat.customer and not chat.planted:
                contacts.append(("chat", chat.chat_id, chat.customer, chat.employee, chat.ended))  # type: ignore[arg-type]
        for t in self.tickets:
            if not t.planted and t.resolved:
                contacts.append(("ticket", t.ticket_id, t.customer, t.assignee, t.resolved))
        contacts.sort(key=lambda c: (c[4], c[1]))
        for ctype, cid, cust, emp, done in contacts:
            if emp.employee_id in excluded or rng.random() >= 0.12:
                continue
            sent = done + timedelta(minutes=10)
            delay = rng.choice((0, 0, 0, 1, 1, 2, 3))
            if delay == 0:
                responded = sent + timedelta(minutes=rng.randint(2, 90))
            else:
                responded = at(sent.date() + timedelta(days=delay), "09:00") + timedelta(
                    seconds=rng.randrange(12 * 3600)
                )
            if responded.date() > self.end:
                continue
            rid += 1
            csat = rng.choice((5, 5, 5, 4, 4, 4, 3, 2, 1, None))
            self._post(
                rid,
                ctype,
                cid,
                cust,
                emp,
                sent,
                responded,
                csat,
                rng.choice((10, 9, 9, 8, 7, 6, 5, 3, None)),
                rng.choice((7, 6, 6, 5, 4, 3, None)),
                rng.choice((True, True, False, None)),
                rng.choice(self.COMMENTS),
            )
        # the planted responses (csat, nps); the contact date decides the month and team
        planted = (
            ("r1", "call", 5, 10, at(date(2026, 3, 13), "10:05:00")),
            ("r2", "call", 4, 9, at(date(2026, 3, 14), "09:12:00")),
            ("r3", "call", 2, 3, at(date(2026, 3, 14), "20:45:00")),
            ("r4", "call", None, 8, at(date(2026, 3, 19), "11:00:00")),
            ("r5", "call", 4, 7, at(date(2026, 3, 21), "08:30:00")),
            ("r6", "chat", 3, 6, at(date(2026, 3, 8), "16:40:00")),
            ("r7", "ticket", 5, 10, at(date(2026, 3, 16), "10:00:00")),
            ("r8", "call", 1, 0, at(date(2026, 3, 17), "12:00:00")),
        )
        for n, (key, ctype, csat, nps, responded) in enumerate(planted, 1):
            obj = self.planted_ids[key]
            if isinstance(obj, Call):
                leg = obj.last_handled
                cid, cust, emp, done = obj.call_id, obj.customer, leg.employee, leg.busy_until  # type: ignore[union-attr]
            elif isinstance(obj, Chat):
                cid, cust, emp, done = obj.chat_id, obj.customer, obj.employee, obj.ended
            else:
                assert isinstance(obj, Ticket)
                cid, cust, emp, done = obj.ticket_id, obj.customer, obj.assignee, obj.resolved
            self._post(
                900000 + n,
                ctype,
                cid,
                cust,
                emp,
                done + timedelta(minutes=10),  # type: ignore[operator,arg-type]
                responded,
                csat,
                nps,
                5,
                csat is not None and csat >= 4,
                "VIP客户回访：“办理顺利”，谢谢" if n % 2 else "",
            )

    # ---------------------------------------------------------------- rows per delivery
    def rows_for(self, source: str, d: date) -> dict[str, list[dict[str, str]]]:
        return getattr(self, f"_{source}_rows")(d)

    def _crm_rows(self, d: date) -> dict[str, list[dict[str, str]]]:
        customers = []
        for c in self.customers:
            for updated, status, plan, level in c.versions:
                if updated.date() == d:
                    customers.append(
                        {
                            "customer_id": c.customer_id,
                            "customer_name": c.name,
                            "mobile_no": c.mobile,
                            "id_card_no": c.id_card,
                            "gender": c.gender,
                            "birth_date": iso_date(c.birth),
                            "province": c.province,
                            "city": c.city,
                            "segment": c.segment,
                            "product_line": c.product_line,
                            "plan_code": plan,
                            "distributor_id": c.distributor_id,
                            "customer_level": str(level),
                            "activation_date": iso_date(c.activation),
                            "status": status,
                            "updated_at": local_ts(updated),
                        }
                    )
        distributors = [
            dict(
                zip(COLUMNS[("crm", "distributors")], (i, n, ch, p, iso_date(cs), st), strict=True)
            )
            for i, n, ch, p, cs, st in DISTRIBUTORS
        ]
        tickets = []
        for t in self.tickets:
            last_of_day: dict[str, str] | None = None
            for when, row in t.versions():
                if when.date() == d:
                    last_of_day = row
            if last_of_day:
                tickets.append(last_of_day)
        chats = [
            {
                "chat_id": c.chat_id,
                "customer_id": c.customer.customer_id if c.customer else "",
                "channel": c.channel,
                "queue_id": c.queue_id,
                "agent_id": c.employee.employee_id if c.employee else "",
                "requested_at": local_ts(c.requested),
                "first_agent_msg_at": local_ts(c.first_msg),
                "ended_at": local_ts(c.ended),
                "customer_msgs": str(c.customer_msgs),
                "agent_msgs": str(c.agent_msgs),
                "concurrency_slot": str(c.slot),
                "outcome": c.outcome,
            }
            for c in self.chats
            if c.day == d
        ]
        return {
            "customers": customers,
            "distributors": distributors,
            "tickets": tickets,
            "chat_sessions": chats,
        }

    def _telephony_rows(self, d: date) -> dict[str, list[dict[str, str]]]:
        queues = [
            {
                "queue_id": q,
                "queue_name": n,
                "product_line": pl,
                "sl_threshold_s": str(t),
                "short_abandon_s": str(s),
                "open_hour": "8",
                "close_hour": "22",
            }
            for q, n, pl, t, s in QUEUES
        ]
        calls = []
        for c in self.calls:
            if c.day != d:
                continue
            for g in c.legs:
                calls.append(
                    {
                        "call_id": c.call_id,
                        "segment_no": str(g.segment_no),
                        "direction": g.direction,
                        "ani": c.ani,
                        "queue_id": g.queue_id or "",
                        "agent_login": g.employee.agent_login if g.employee else "",  # type: ignore[dict-item]
                        "customer_id": c.customer.customer_id if c.customer else "",
                        "enqueued_at": utc_z(g.enqueued),
                        "answered_at": utc_z(g.answered),
                        "ended_at": utc_z(g.ended),
                        "ring_s": str(g.ring_s),
                        "talk_s": str(g.talk_s),
                        "hold_s": str(g.hold_s),
                        "acw_s": str(g.acw_s),
                        "disposition": g.disposition,
                        "transfer_to_queue": g.transfer_to or "",
                        "dnis": "10086" if g.queue_id != "VQ-PORT-IN" else "100860",
                    }
                )
        states = []
        for (_, dd), ad in sorted(self.agent_days.items()):
            if dd == d and ad.mode in ("phone", "chat"):
                states.extend(self._states(ad))
        return {"queues": queues, "calls": calls, "agent_states": states}

    def _states(self, ad: AgentDay) -> list[dict[str, str]]:
        """CTI states of one agent-day, gapless and in sequence: ready fills every gap."""
        spans: list[tuple[datetime, datetime, str, str]] = []
        for act, t0, t1 in ad.activities:
            spans.append((t0, t1, "not_ready", act))
        for g in ad.legs:
            a = g.answered
            spans.append((a, a + timedelta(seconds=g.talk_s), "talking", ""))  # type: ignore[operator]
            if g.hold_s:
                spans.append((a + timedelta(seconds=g.talk_s), g.ended, "hold", ""))  # type: ignore[operator]
            if g.acw_s:
                spans.append((g.ended, g.busy_until, "acw", ""))
        spans.sort()
        out: list[tuple[datetime, datetime, str, str]] = []
        cursor = ad.shift[0]
        for t0, t1, state, reason in spans:
            assert t0 >= cursor, (ad.emp.employee_id, ad.day, t0, cursor)
            if t0 > cursor:
                out.append((cursor, t0, "ready", ""))
            out.append((t0, t1, state, reason))
            cursor = t1
        if cursor < ad.shift[1]:
            out.append((cursor, ad.shift[1], "ready", ""))
        out.append((ad.shift[1], at(ad.day + timedelta(days=1), "00:00"), "logged_out", ""))
        login = ad.emp.agent_login or ""
        return [
            {
                "agent_login": login,
                "state": s,
                "reason_code": r,
                "started_at": utc_z(t0),
                "ended_at": utc_z(t1),
            }
            for t0, t1, s, r in out
        ]

    def _survey_rows(self, d: date) -> dict[str, list[dict[str, str]]]:
        rng = random.Random(f"survey-{d}")
        post = [
            {k: v for k, v in p.items() if k != "_day"}
            for p in self.posts
            if p["_day"] == d.isoformat()
        ]
        post.sort(key=lambda r: r["responded_at"])
        csi = []
        for i in range(6):
            cust = rng.choice(self.pool(d))
            base = rng.randint(4, 9)
            row = {
                "response_id": f"CSI-26Q1-{d:%m%d}{i:02d}",
                "wave": "2026Q1",
                "customer_id": cust.customer_id,
                "product_line": cust.product_line,
                "mode": rng.choice(("cati", "online")),
                "interviewed_at": local_ts(at(d, "10:00") + timedelta(minutes=70 * i)),
            }
            for item in _CSI_ITEMS:
                v = min(10, max(1, base + rng.randint(-2, 2)))
                row[item] = "" if rng.random() < 0.08 else str(v)
            row["complained"] = yn(rng.random() < 0.12)
            for dim in (
                "rating_product_service",
                "rating_brand_image",
                "rating_agent_attitude",
                "rating_agent_efficiency",
            ):
                row[dim] = rng.choice(RATINGS + RATINGS[:2])
            csi.append(row)
        forms = []
        criteria = (
            ("greeting", "开场问候", 5, 5, False),
            ("listening", "倾听理解", 10, 10, False),
            ("empathy", "共情安抚", 10, 10, False),
            ("clarity", "表达清晰", 10, 10, False),
            ("knowledge_accuracy", "业务准确性", 20, 10, False),
            ("problem_solving", "问题解决", 20, 10, False),
            ("attitude", "服务态度", 10, 10, False),
            ("compliance", "合规话术", 5, 5, True),
            ("info_security", "信息安全（实名核验）", 5, 5, True),
            ("emotion_control", "情绪控制", 5, 5, False),
        )
        for version, bands in (("QAF-2025B", (90, 80, 60)), ("QAF-2026A", (92, 82, 65))):
            for code, name, weight, max_score, critical in criteria:
                forms.append(
                    {
                        "form_version": version,
                        "criterion_code": code,
                        "criterion_name": name,
                        "weight": str(weight),
                        "max_score": str(max_score),
                        "is_critical": yn(critical),
                        "band_excellent_min": str(bands[0]),
                        "band_good_min": str(bands[1]),
                        "band_pass_min": str(bands[2]),
                    }
                )
        evals = []
        yesterday = [
            c
            for c in self.calls
            if c.day == d - timedelta(days=1) and not c.planted and c.last_handled is not None
        ]
        for i, call in enumerate(rng.sample(yesterday, min(5, len(yesterday)))):
            leg = call.last_handled
            evaluator = ("E037", "E037", "E035", "E036")[i % 4]
            method = (
                "recording_sample",
                "recording_sample",
                "supervisor",
                "peer",
                "mystery_shopper",
            )[i]
            eid = f"QAE-{d:%m%d}-{i + 1:02d}"
            for code, _, _, max_score, critical in criteria:
                na = not critical and rng.random() < 0.06
                failed = critical and rng.random() < 0.03
                score = (
                    None if na else (0 if failed else rng.randint(max_score * 2 // 3, max_score))
                )
                evals.append(
                    {
                        "evaluation_id": eid,
                        "criterion_code": code,
                        "form_version": "QAF-2026A",
                        "contact_type": "call",
                        "contact_id": call.call_id,
                        "agent_id": leg.employee.employee_id,  # type: ignore[union-attr]
                        "evaluator_id": evaluator,
                        "method": method,
                        "evaluated_at": local_ts(at(d, "09:30") + timedelta(minutes=45 * i)),
                        "score": num(score),
                        "is_na": yn(na),
                        "critical_failed": yn(failed),
                    }
                )
        pulse = []
        if date(2026, 3, 16) <= d <= date(2026, 3, 20):
            for i in range(6):
                team = ("TM-GEN-A", "TM-GEN-B", "TM-ONLINE", "TM-PORT", "TM-GEN-A", "TM-GEN-B")[i]
                pulse.append(
                    {
                        "response_id": f"PLS-26Q1-{d:%d}{i}",
                        "wave": "2026Q1",
                        "team_id": team,
                        "submitted_at": local_ts(at(d, "18:10") + timedelta(minutes=7 * i)),
                        **{
                            k: str(rng.randint(1, 5))
                            for k in (
                                "sat_workload",
                                "sat_environment",
                                "sat_manager",
                                "sat_growth",
                                "sat_pay",
                            )
                        },
                        "enps": str(rng.randint(0, 10)),
                        "intent_to_stay": str(rng.randint(1, 5)),
                    }
                )
        return {
            "post_contact": post,
            "csi": csi,
            "qa_forms": forms,
            "qa_evaluations": evals,
            "employee_pulse": pulse,
        }

    def _hr_rows(self, d: date) -> dict[str, list[dict[str, str]]]:
        employees, jobs = [], []
        for e in self.employees:
            if e.hire_date > d:
                continue
            known_term = e.termination_date is not None and e.termination_date <= d
            employees.append(
                {
                    "employee_id": e.employee_id,
                    "agent_login": e.agent_login or "",
                    "full_name": e.full_name,
                    "id_card_no": e.id_card_no,
                    "mobile_no": e.mobile_no,
                    "gender": e.gender,
                    "birth_date": hr_date(e.birth_date),
                    "education": e.education,
                    "employment_type": e.employment_type,
                    "site": e.site,
                    "hire_date": hr_date(e.hire_date),
                    "termination_date": hr_date(e.termination_date) if known_term else "",
                    "termination_type": (e.termination_type or "") if known_term else "",
                    "termination_reason": (e.termination_reason or "") if known_term else "",
                    "status": "terminated" if known_term else "active",
                }
            )
            visible = [
                j
                for j in e.jobs
                if j.effective_from <= d or (j.action == "termination" and known_term)
            ]
            for k, j in enumerate(visible):
                nxt = (
                    visible[k + 1].effective_from - timedelta(days=1)
                    if k + 1 < len(visible)
                    else None
                )
                jobs.append(
                    {
                        "employee_id": e.employee_id,
                        "effective_from": hr_date(j.effective_from),
                        "effective_to": hr_date(nxt),
                        "action": j.action,
                        "team_id": j.team_id,
                        "supervisor_id": j.supervisor_id or "",
                        "job_level": j.job_level,
                        "incentive_role": j.incentive_role,
                        "salary_band": j.salary_band,
                    }
                )
        teams = [
            {
                "team_id": t,
                "team_name": n,
                "site": s,
                "line_of_business": lob,
                "leader_employee_id": lead,
                "created_on": hr_date(created),
            }
            for t, n, s, lob, lead, created, _ in TEAMS
        ]
        training = self._training(d)
        incentives = self._incentives(d)
        schedules = []
        for (_, dd), ad in sorted(self.agent_days.items()):
            if dd != d:
                continue
            for act, t0, t1 in [("shift", *ad.shift), *ad.activities]:
                schedules.append(
                    {
                        "employee_id": ad.emp.employee_id,
                        "shift_date": hr_date(d),
                        "activity": act,
                        "starts_at": local_ts(t0),
                        "ends_at": local_ts(t1),
                    }
                )
        return {
            "employees": employees,
            "job_history": jobs,
            "teams": teams,
            "training": training,
            "incentives": incentives,
            "schedules": schedules,
        }

    def _training(self, d: date) -> list[dict[str, str]]:
        rng = random.Random(f"training-{d}")
        out = []
        for eid, start in (("E044", date(2026, 3, 9)), ("E045", date(2026, 3, 16))):
            if d == start + timedelta(days=1):
                out.append(
                    {
                        "employee_id": eid,
                        "course_id": "ONB-2026-03",
                        "started_on": hr_date(start),
                        "course_type": "onboarding",
                        "hours": "16",
                        "completed_on": hr_date(d),
                        "score": str(rng.randint(75, 95)),
                        "passed": "Y",
                    }
                )
        if d == date(2026, 3, 13):
            for eid in ("E006", "E013", "E028"):
                score = rng.randint(55, 98)
                out.append(
                    {
                        "employee_id": eid,
                        "course_id": "CERT-5G-L2",
                        "started_on": hr_date(d),
                        "course_type": "certification",
                        "hours": "3.5",
                        "completed_on": hr_date(d),
                        "score": str(score),
                        "passed": yn(score >= 60),
                    }
                )
        if d == date(2026, 3, 20):
            for e in self.employees:
                if e.active(d) and e.agent_login and e.team_on(d) in PHONE_TEAMS + CHAT_TEAMS:
                    score = rng.randint(50, 100)
                    out.append(
                        {
                            "employee_id": e.employee_id,
                            "course_id": "EXAM-2026-03",
                            "started_on": hr_date(d),
                            "course_type": "monthly_exam",
                            "hours": "1",
                            "completed_on": hr_date(d),
                            "score": str(score),
                            "passed": yn(score >= 60),
                        }
                    )
        if d == date(2026, 3, 4):  # a product course without score (attendance only)
            out.append(
                {
                    "employee_id": "E021",
                    "course_id": "PRD-BB-FTTR",
                    "started_on": hr_date(d),
                    "course_type": "product",
                    "hours": "2",
                    "completed_on": "",
                    "score": "",
                    "passed": "",
                }
            )
        return out

    def _incentives(self, d: date) -> list[dict[str, str]]:
        if d != date(2026, 3, 10):
            return []
        rng = random.Random("incentives-2026-02")
        out = []
        for e in self.employees:
            if not (e.active(date(2026, 2, 28)) and e.agent_login):
                continue
            out.append(
                {
                    "employee_id": e.employee_id,
                    "period_month": "2026-02",
                    "incentive_type": "performance_bonus",
                    "amount_cny": f"{rng.randint(300, 1500)}.{rng.randint(0, 99):02d}",
                    "quality_linked": "N",
                }
            )
            if e.idx % 3 == 0:
                out.append(
                    {
                        "employee_id": e.employee_id,
                        "period_month": "2026-02",
                        "incentive_type": "quality_bonus",
                        "amount_cny": "200",
                        "quality_linked": "Y",
                    }
                )
            role = e.job_on(date(2026, 2, 28)).incentive_role
            if role == "mentor":
                out.append(
                    {
                        "employee_id": e.employee_id,
                        "period_month": "2026-02",
                        "incentive_type": "mentor_allowance",
                        "amount_cny": "300",
                        "quality_linked": "N",
                    }
                )
            if role == "internal_trainer":
                out.append(
                    {
                        "employee_id": e.employee_id,
                        "period_month": "2026-02",
                        "incentive_type": "trainer_allowance",
                        "amount_cny": "400",
                        "quality_linked": "N",
                    }
                )
            if role == "star_agent":
                out.append(
                    {
                        "employee_id": e.employee_id,
                        "period_month": "2026-02",
                        "incentive_type": "star_award",
                        "amount_cny": "500",
                        "quality_linked": "Y",
                    }
                )
        return out


# --------------------------------------------------------------------------- writing files
def encode_csv(source: str, entity: str, rows: list[dict[str, str]]) -> bytes:
    """One file's bytes, in the entity's style (header first; RFC 4180 quoting)."""
    style = STYLES[(source, entity)]
    header = header_for(source, entity)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=style.newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        missing = set(COLUMNS[(source, entity)]) - set(row)
        assert not missing, (source, entity, missing)
        writer.writerow([row.get(c, "") for c in header])
    text = buf.getvalue()
    if style.encoding == "gb18030":
        data = text.encode("gb18030")
        if (
            not text.isascii()
        ):  # must not be mistakable for UTF-8 (the contract detects UTF-8 first)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise AssertionError(f"{source}/{entity}: GB18030 bytes also decode as UTF-8")
        return data
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if style.encoding == "utf-8-sig" else data


def _generated_at(source: str, d: date) -> str:
    """ISO-8601 manifest time: the night after the business date (telephony in UTC)."""
    minute = {"crm": 5, "telephony": 20, "survey": 35, "hr": 50}[source]
    local = at(d + timedelta(days=1), f"01:{minute:02d}:07")
    if source == "telephony":
        return (local - UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def write_independent_deliveries(
    landing: Path, start: date, days: int, seed: int = 7_11643
) -> Scenario:
    """Write one complete delivery per source and business date of ``[start, start+days)``."""
    if not (start <= date(2026, 3, 2) and start + timedelta(days=days - 1) >= date(2026, 3, 22)):
        raise ValueError("the planted cases need the window to cover 2026-03-02 .. 2026-03-22")
    w = _World(start, days, seed)
    w.build_customers()
    w.plan_agent_days()
    w.plant_queue_day()
    w.plant_survey_contacts()
    w.background_calls()
    w.background_transfers()
    w.background_unanswered()
    w.assign_call_ids()
    w.chats_and_tickets()
    w.surveys()

    totals: dict[str, int] = defaultdict(int)
    for d in w.days:
        for source in SOURCES:
            folder = landing / source / d.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            files = []
            for entity, rows in w.rows_for(source, d).items():
                data = encode_csv(source, entity, rows)
                (folder / f"{entity}.csv").write_bytes(data)
                files.append(
                    {
                        "entity": entity,
                        "file": f"{entity}.csv",
                        "rows": len(rows),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
                totals[f"{source}.{entity}"] += len(rows)
            assert {f["entity"] for f in files} == {e for s, e in COLUMNS if s == source}
            manifest = {
                "source": source,
                "business_date": d.isoformat(),
                "generated_at": _generated_at(source, d),
                "files": files,
            }
            (folder / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    offered = [
        g for c in w.calls for g in c.legs if g.direction == "inbound" and g.queue_id and g.enqueued
    ]
    recycled: dict[str, int] = defaultdict(int)
    for c in w.calls:
        for g in c.legs:
            if g.handled and g.employee.agent_login == "A027":  # type: ignore[union-attr]
                recycled[g.employee.employee_id] += 1  # type: ignore[union-attr]
    ids = {
        k: getattr(v, "call_id", "") or getattr(v, "chat_id", "") or getattr(v, "ticket_id", "")
        for k, v in w.planted_ids.items()
    }
    return Scenario(
        landing=landing,
        start=w.start,
        end=w.end,
        rows=dict(totals),
        offered_total=len(offered),
        answered_total=sum(1 for g in offered if g.answered is not None),
        abandoned_total=sum(1 for g in offered if g.disposition == "abandoned"),
        handled_by_employee_with_login={"A027": dict(recycled)},
        planted_call_ids=ids,
        pii_values=frozenset(
            [v for c in w.customers for v in (c.name, c.mobile, c.id_card)]
            + [v for e in w.employees for v in (e.full_name, e.mobile_no, e.id_card_no)]
            + [c.ani for c in w.calls]
        ),
    )
