"""Realistic delivery faults, injected into some deliveries and listed in a sidecar JSON.

Row-level faults keep the manifest consistent with the file (the source system wrote the bad
row, counted it and checksummed it); delivery-level faults sit on other deliveries than
row-level ones. Each record names the file (relative to the landing folder) and, for row
faults, the physical line (header = 1) and the key as written, with the loader outcome
expected by ``docs/raw-layer.md``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from orchestration.contract import entity
from synthetic.render import FileOut

LATE_MIN_DAYS = 8
MAX_LATE_RECORDS = 5
ORPHAN_LOGINS = ("0901", "0902")
"""CTI logins no HR record ever carries (HR logins start at 1001)."""

ROW_DEFECTS: dict[str, tuple[str, ...]] = {
    "telephony": (
        "duplicate_key",
        "orphan_login",
        "negative_duration",
        "absurd_duration",
        "column_count",
    ),
    "hr": ("excel_id_card", "excel_employee_id"),
    "crm": ("excel_customer_id",),
    "survey": ("malformed_csv",),
}
DELIVERY_DEFECTS: dict[str, str] = {
    "telephony": "resend",
    "crm": "row_count_mismatch",
    "hr": "missing_column",
    "survey": "incomplete",
}
ALL_CLASSES = (
    "duplicate_key",
    "orphan_login",
    "negative_duration",
    "absurd_duration",
    "resend",
    "row_count_mismatch",
    "missing_column",
    "column_count",
    "malformed_csv",
    "excel_id_card",
    "excel_employee_id",
    "excel_customer_id",
    "late_survey",
    "incomplete",
)


def _split(line: str) -> list[str]:
    return next(csv.reader([line]))


def _join(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


class CsvLines:
    """An editable view of one rendered file (no value contains a line break)."""

    def __init__(self, f: FileOut) -> None:
        self.file = f
        self.lines = f.text.split("\n")[:-1]
        self.header = self.lines[0].split(",")
        self.used = f.edited_lines  # shared by every defect planted in this file

    def col(self, name: str) -> int:
        return self.header.index(name)

    def pick(self, rng: np.random.Generator, where: dict[str, Any] | None = None) -> int | None:
        """A random unused data line index whose fields satisfy ``where`` (callables)."""
        cands = [i for i in range(1, len(self.lines)) if i not in self.used]
        rng.shuffle(cands)
        for i in cands[:2000]:
            fields = _split(self.lines[i])
            if all(test(fields[self.col(c)]) for c, test in (where or {}).items()):
                self.used.add(i)
                return i
        return None

    def fields(self, i: int) -> list[str]:
        return _split(self.lines[i])

    def key(self, i: int, source: str, name: str) -> dict[str, str]:
        fields = self.fields(i)
        return {k: fields[self.col(k)] for k in entity(source, name).key if k in self.header}

    def commit(self) -> None:
        self.file.text = "\n".join(self.lines) + "\n"


@dataclass
class Injector:
    """Plans which delivery gets which fault and applies them."""

    start: date
    days: int
    seed: int
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    row_day: dict[str, date] = field(default_factory=dict)
    delivery_day: dict[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.days < 2:
            raise ValueError(
                "defects need at least 2 business days "
                "(row- and delivery-level faults go to different deliveries)"
            )
        rng = np.random.default_rng([self.seed, 7])
        for source in ROW_DEFECTS:
            a, b = rng.choice(self.days, 2, replace=False)
            self.row_day[source] = self.start + timedelta(days=int(a))
            self.delivery_day[source] = self.start + timedelta(days=int(b))

    def _record(
        self,
        defect: str,
        source: str,
        d: date,
        name: str | None,
        line_no: int | None,
        key: dict[str, str] | None,
        expected: str,
        **extra: Any,
    ) -> None:
        self.records.append(
            {
                "defect": defect,
                "source": source,
                "business_date": d.isoformat(),
                "entity": name,
                "file": f"{source}/{d.isoformat()}/{name}.csv" if name else None,
                "line_no": line_no,
                "key": key,
                "expected": expected,
                **extra,
            }
        )

    # ------------------------------------------------------------- row level
    def apply_rows(self, source: str, d: date, files: dict[str, FileOut]) -> None:
        """Inject the row-level faults planned for this delivery (manifest stays consistent)."""
        rng = np.random.default_rng([self.seed, 8, d.toordinal()])
        if self.row_day.get(source) == d:
            for defect in ROW_DEFECTS[source]:
                getattr(self, f"_{defect}")(rng, source, d, files)
        if source == "survey" and d != self.delivery_day["survey"]:
            self._late_surveys(d, files["post_contact"])

    def _edit(
        self, rng, source, d, files, name, where, column, value, defect, expected, extra_col=False
    ):
        view = CsvLines(files[name])
        i = view.pick(rng, where)
        if i is None:
            self.skipped.append(f"{defect}: no suitable row in {source}/{d}/{name}.csv")
            return
        fields = view.fields(i)
        original = view.key(i, source, name)
        new = value(fields[view.col(column)]) if callable(value) else value
        fields[view.col(column)] = new
        view.lines[i] = _join(fields) + (",EXTRA" if extra_col else "")
        view.commit()
        key = {k: fields[view.col(k)] for k in original}
        extra = {"original_key": original} if key != original else {}
        self._record(
            defect, source, d, name, i + 1, key, expected, column=column, value=new, **extra
        )

    def _duplicate_key(self, rng, source, d, files):
        view = CsvLines(files["calls"])
        i = view.pick(rng)
        if i is None:
            self.skipped.append(f"duplicate_key: empty {source}/{d}/calls.csv")
            return
        view.lines.append(view.lines[i])
        view.commit()
        self._record(
            "duplicate_key",
            source,
            d,
            "calls",
            len(view.lines),
            view.key(i, source, "calls"),
            "quarantine:duplicate_key",
            first_line_no=i + 1,
        )

    def _orphan_login(self, rng, source, d, files):
        answered = {"agent_login": lambda v: v != ""}
        self._edit(
            rng,
            source,
            d,
            files,
            "calls",
            answered,
            "agent_login",
            ORPHAN_LOGINS[0],
            "orphan_login",
            "unknown_member",
        )
        self._edit(
            rng,
            source,
            d,
            files,
            "agent_states",
            None,
            "agent_login",
            ORPHAN_LOGINS[1],
            "orphan_login",
            "unknown_member",
        )

    def _negative_duration(self, rng, source, d, files):
        self._edit(
            rng,
            source,
            d,
            files,
            "calls",
            {"talk_s": lambda v: v not in ("", "0")},
            "talk_s",
            lambda v: f"-{v}",
            "negative_duration",
            "quarantine:out_of_range:talk_s",
        )

    def _absurd_duration(self, rng, source, d, files):
        self._edit(
            rng,
            source,
            d,
            files,
            "calls",
            {"agent_login": lambda v: v != ""},
            "acw_s",
            "90061",
            "absurd_duration",
            "quarantine:out_of_range:acw_s",
        )

    def _column_count(self, rng, source, d, files):
        self._edit(
            rng,
            source,
            d,
            files,
            "agent_states",
            None,
            "state",
            lambda v: v,
            "column_count",
            "quarantine:column_count",
            extra_col=True,
        )

    def _malformed_csv(self, rng, source, d, files):
        view = CsvLines(files["post_contact"])
        i = view.pick(rng)
        if i is None:
            self.skipped.append(f"malformed_csv: empty {source}/{d}/post_contact.csv")
            return
        fields = view.fields(i)
        assert view.header[-1] == "comment"
        view.lines[i] = _join(fields[:-1]) + ',"服务很差"没有解决'
        view.commit()
        self._record(
            "malformed_csv",
            source,
            d,
            "post_contact",
            i + 1,
            view.key(i, source, "post_contact"),
            "quarantine:malformed_csv",
        )

    def _excel_id_card(self, rng, source, d, files):
        self._edit(
            rng,
            source,
            d,
            files,
            "employees",
            {"id_card_no": lambda v: v[-1:].isdigit()},
            "id_card_no",
            lambda v: f"{int(v):.5E}",
            "excel_id_card",
            "quarantine:excel_number:id_card_no",
        )

    def _excel_employee_id(self, rng, source, d, files):
        self._edit(
            rng,
            source,
            d,
            files,
            "employees",
            {"employee_id": lambda v: v.startswith("0")},
            "employee_id",
            lambda v: v.lstrip("0"),
            "excel_employee_id",
            "shape_warning:employee_id",
        )

    def _excel_customer_id(self, rng, source, d, files):
        name = "customers" if files["customers"].rows else "tickets"
        self._edit(
            rng,
            source,
            d,
            files,
            name,
            {"customer_id": lambda v: v.startswith("0")},
            "customer_id",
            lambda v: v.lstrip("0"),
            "excel_customer_id",
            "shape_warning:customer_id",
        )

    def _late_surveys(self, d: date, f: FileOut) -> None:
        found = sum(1 for r in self.records if r["defect"] == "late_survey")
        if found >= MAX_LATE_RECORDS:
            return
        view = CsvLines(f)
        sent, resp = view.col("sent_at"), view.col("responded_at")
        for i in range(1, len(view.lines)):
            try:
                fields = next(csv.reader([view.lines[i]], strict=True))
            except csv.Error:
                continue
            lag = datetime.fromisoformat(fields[resp]) - datetime.fromisoformat(fields[sent])
            if lag >= timedelta(days=LATE_MIN_DAYS):
                self._record(
                    "late_survey",
                    "survey",
                    d,
                    "post_contact",
                    i + 1,
                    view.key(i, "survey", "post_contact"),
                    "loaded_late",
                    sent_at=fields[sent],
                    responded_at=fields[resp],
                )
                found += 1
                if found >= MAX_LATE_RECORDS:
                    return

    # -------------------------------------------------------- delivery level
    def delivery_defect(self, source: str, d: date) -> str | None:
        return DELIVERY_DEFECTS[source] if self.delivery_day.get(source) == d else None

    def truncated_original(self, files: dict[str, FileOut], name: str) -> dict[str, FileOut]:
        """The first sending of a re-sent delivery: ``name`` lost its last 5 % of rows."""
        out = {k: FileOut(f.entity, f.text) for k, f in files.items()}
        lines = out[name].text.split("\n")[:-1]
        keep = max(1, len(lines) - max(1, (len(lines) - 1) // 20))
        out[name].text = "\n".join(lines[:keep]) + "\n"
        return out

    def row_count_mismatch(self, source: str, d: date, files: dict[str, FileOut]) -> None:
        name = "tickets"
        files[name].manifest_rows = files[name].rows + 1
        self._record(
            "row_count_mismatch",
            source,
            d,
            name,
            None,
            None,
            "rejected:row_count_mismatch",
            manifest_rows=files[name].manifest_rows,
            file_rows=files[name].rows,
        )

    def missing_column(self, source: str, d: date, files: dict[str, FileOut]) -> None:
        name, column = "job_history", "salary_band"
        view = CsvLines(files[name])
        c = view.col(column)
        view.lines = [
            _join([v for k, v in enumerate(_split(line)) if k != c]) for line in view.lines
        ]
        view.commit()
        self._record(
            "missing_column", source, d, name, 1, None, "rejected:missing_column", column=column
        )

    def record_delivery(
        self, defect: str, source: str, d: date, expected: str, **extra: Any
    ) -> None:
        self._record(defect, source, d, None, None, None, expected, **extra)

    def check_complete(self) -> None:
        """Note the classes this run could not produce (e.g. too few days for late surveys)."""
        seen = {r["defect"] for r in self.records}
        for cls in ALL_CLASSES:
            if cls not in seen:
                self.skipped.append(f"{cls}: not produced in this window")
