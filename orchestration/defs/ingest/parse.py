"""Parse one extract file per the contract, vectorised per column (pyarrow compute).

Input: the records of a verified file (:mod:`orchestration.lib.csv_records`). Output: the
typed rows that pass every rule (contract columns, contract order) with their physical line
numbers, and the rejected rows with their quarantine reason (``docs/raw-layer.md``). A row
breaking several rules gets the first by rule order (``RULES``), then by contract column order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contract import EXCEL_NUMBER, Column, Entity
from orchestration.lib.csv_records import CsvRecords
from orchestration.lib.encoding import GB18030, looks_like_utf8_in_gb18030
from orchestration.lib.raw_schema import ARROW_TYPES

RULES: tuple[str, ...] = (
    "missing_key",
    "null_required",
    "bad_type",
    "bad_enum",
    "excel_number",
    "pattern",
    "check_digit",
    "out_of_range",
    "future_timestamp",
)
"""Row-level rules checked per column, in precedence order (``docs/raw-layer.md``)."""

_INT = r"^[+-]?\d{1,18}$"
_FLOAT = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_LOCAL_TS = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
_UTC_TS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_NULL_STR = pa.scalar(None, pa.string())
LOCAL_OFFSET = timedelta(hours=8)
"""Asia/Shanghai is UTC+8 all year (no DST since 1991)."""
_BLANK = r"^\s+$"
_GB11643_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_GB11643_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
"""GB 11643-1999 (ISO 7064 MOD 11-2): weights of the 17 digits; check character by sum mod 11."""


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record that does not reach raw: physical lines and reason."""

    first_line: int
    last_line: int
    reason: str


@dataclass
class ParsedFile:
    """Typed good rows (contract columns only) and the quarantined records of one file."""

    table: pa.Table
    line_nos: np.ndarray
    quarantined: list[QuarantinedRecord]


def parse_records(
    entity: Entity,
    records: CsvRecords,
    business_date: date | None = None,
    encoding: str | None = None,
) -> ParsedFile:
    """Validate and type every record of ``records`` (whose header holds every contract
    column) against ``entity``. With ``business_date``, timestamps after the end of the next
    day are ``future_timestamp`` (unless the entity holds plans); with ``encoding`` GB18030,
    records that are really UTF-8 read the wrong way are ``suspect_encoding``."""
    header = records.header or []
    index = {name: header.index(name) for name in entity.column_names}
    width = len(header)
    rows = records.rows
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    quarantined = [
        QuarantinedRecord(m.first_line, m.last_line, m.reason) for m in records.malformed
    ]
    starts = np.asarray(records.row_lines, dtype=np.int64)
    ends = np.asarray(records.row_last_lines, dtype=np.int64)
    fits = lengths == width
    for i in np.flatnonzero(~fits):
        quarantined.append(QuarantinedRecord(int(starts[i]), int(ends[i]), "column_count"))
    if encoding == GB18030:
        for i in np.flatnonzero(fits):
            if looks_like_utf8_in_gb18030(records.raw_text(int(starts[i]), int(ends[i]))):
                fits[i] = False
                quarantined.append(
                    QuarantinedRecord(int(starts[i]), int(ends[i]), "suspect_encoding")
                )
    good = [rows[i] for i in np.flatnonzero(fits)] if not fits.all() else rows
    good_starts, good_ends = starts[fits], ends[fits]
    transposed = list(zip(*good, strict=True)) if good else [() for _ in range(width)]

    codes = np.zeros(len(good), dtype=np.int32)
    labels: list[str] = [""]
    typed: dict[str, pa.Array] = {}
    failures: dict[str, dict[str, np.ndarray]] = {}
    latest = None if business_date is None or entity.planned else _latest_utc(business_date)
    for column in entity.columns:
        raw = pa.array(transposed[index[column.name]], type=pa.string())
        typed[column.name], failures[column.name] = _check_column(entity, column, raw)
        if latest is not None and column.type == "ts":
            failures[column.name]["future_timestamp"] = _np(
                pc.greater_equal(typed[column.name], latest)
            )
    for rule in RULES:
        for column in entity.columns:
            mask = failures[column.name].get(rule)
            if mask is not None and mask.any():
                labels.append(f"{rule}:{column.name}")
                codes[mask & (codes == 0)] = len(labels) - 1

    valid = codes == 0
    if entity.key and valid.any():
        keys = pd.DataFrame({k: typed[k].filter(pa.array(valid)).to_pandas() for k in entity.key})
        duplicated = np.zeros(len(good), dtype=bool)
        duplicated[np.flatnonzero(valid)] = keys.duplicated(keep="first").to_numpy()
        if duplicated.any():
            labels.append("duplicate_key")
            codes[duplicated] = len(labels) - 1
            valid = codes == 0
    for i in np.flatnonzero(~valid):
        quarantined.append(
            QuarantinedRecord(int(good_starts[i]), int(good_ends[i]), labels[codes[i]])
        )
    quarantined.sort(key=lambda q: q.first_line)
    keep = pa.array(valid)
    table = pa.table(
        {c.name: typed[c.name].filter(keep) for c in entity.columns},
        schema=pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in entity.columns]),
    )
    return ParsedFile(table, good_starts[valid], quarantined)


def _check_column(
    entity: Entity, column: Column, raw: pa.Array
) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """Typed values (null where empty or invalid) and the failure mask per rule."""
    empty = pc.equal(raw, "")
    values = pc.if_else(empty, _NULL_STR, raw)
    present = _np(pc.invert(empty))
    fails: dict[str, np.ndarray] = {}
    if not column.nullable:
        rule = "missing_key" if column.name in entity.key else "null_required"
        fails[rule] = ~present
    typed, parsed_ok = _to_type(entity, column, values)
    fails["bad_type"] = present & ~parsed_ok
    if column.identifier:  # an opaque id, but not an empty one
        fails["bad_type"] |= _np(pc.match_substring_regex(values, _BLANK))
    if column.values is not None:
        allowed = _np(pc.is_in(values, value_set=pa.array(column.values, pa.string())))
        fails["bad_enum"] = present & ~allowed
    if column.type == "str" and (column.identifier or column.pattern is not None):
        fails["excel_number"] = _np(pc.match_substring_regex(values, EXCEL_NUMBER))
    if column.pattern is not None:
        matches = _np(pc.match_substring_regex(values, column.pattern))
        fails["pattern"] = present & ~matches
        if column.check_digit:
            fails["check_digit"] = present & matches & ~_gb11643_valid(values, matches)
    if column.min is not None or column.max is not None:
        out = np.zeros(len(raw), dtype=bool)
        if column.min is not None:
            out |= _np(pc.less(typed, column.min))
        if column.max is not None:
            out |= _np(pc.greater(typed, column.max))
        fails["out_of_range"] = out
    return typed, fails


def _latest_utc(business_date: date) -> pa.Scalar:
    """The first moment (naive UTC) after the business date's next day, Asia/Shanghai: a
    delivery of day d can know events up to the end of d + 1 (it is written the morning after),
    not later."""
    end = datetime.combine(business_date + timedelta(days=2), time()) - LOCAL_OFFSET
    return pa.scalar(end, pa.timestamp("us"))


def _gb11643_valid(values: pa.Array, shaped: np.ndarray) -> np.ndarray:
    """Whether each 18-character ID-card number (where ``shaped``) carries the check
    character GB 11643 computes from its 17 digits; ``True`` elsewhere."""
    ok = np.ones(len(values), dtype=bool)
    rows = np.flatnonzero(shaped)
    if len(rows):
        text = np.array(values.take(pa.array(rows)).to_pylist(), dtype="S18")
        chars = np.frombuffer(text.tobytes(), dtype=np.uint8).reshape(-1, 18)
        digits = chars[:, :17].astype(np.int64) - ord("0")
        ok[rows] = chars[:, 17] == _GB11643_CHECK[(digits @ _GB11643_WEIGHTS) % 11]
    return ok


def _to_type(entity: Entity, column: Column, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Parse ``values`` (strings, null = empty) to the column's Arrow type; also returns which
    rows parsed (null rows count as parsed)."""
    kind = column.type
    if kind == "str":
        return values, np.ones(len(values), dtype=bool)
    if kind == "bool":
        ok = pc.is_in(values, value_set=pa.array(["Y", "N"]))
        return pc.equal(pc.if_else(ok, values, _NULL_STR), "Y"), _ok(values, ok)
    if kind in ("int", "float"):
        ok = pc.match_substring_regex(values, _INT if kind == "int" else _FLOAT)
        typed = pc.cast(pc.if_else(ok, values, _NULL_STR), ARROW_TYPES[kind])
        return typed, _ok(values, ok)
    slash_dates = entity.source == "hr"
    text = pc.replace_substring(values, "/", "-", max_replacements=2) if slash_dates else values
    if kind == "date":
        return _strptime(values, text, _DATE, "%Y-%m-%d", pa.date32())
    if entity.timezone == "UTC":
        return _strptime(values, text, _UTC_TS, "%Y-%m-%dT%H:%M:%SZ", pa.timestamp("us"))
    local, ok = _strptime(values, text, _LOCAL_TS, "%Y-%m-%d %H:%M:%S", pa.timestamp("us"))
    aware = pc.assume_timezone(local, entity.timezone, ambiguous="earliest", nonexistent="earliest")
    return aware.cast(pa.timestamp("us")), ok


def _strptime(
    values: pa.Array, text: pa.Array, regex: str, fmt: str, out_type: pa.DataType
) -> tuple[pa.Array, np.ndarray]:
    """Parse ``text`` with ``fmt``; a value is valid only if it matches ``regex`` and every
    field parsed back equals the field written (rejects e.g. 2026-02-30 or 23:59:60, which
    strptime rolls over into the next month or minute)."""
    shaped = pc.match_substring_regex(text, regex)
    candidate = pc.if_else(shaped, text, _NULL_STR)
    parsed = pc.strptime(candidate, format=fmt, unit="s", error_is_null=True)
    ok = pc.is_valid(parsed)
    for field, start in _FIELD_OFFSETS[: 3 if out_type == pa.date32() else 6]:
        written = pc.cast(
            pc.utf8_slice_codeunits(candidate, start, start + _WIDTH[field]), pa.int64()
        )
        ok = pc.and_(ok, pc.equal(getattr(pc, field)(parsed), written))
    ok = pc.fill_null(ok, False)
    return pc.if_else(ok, parsed, pa.scalar(None, parsed.type)).cast(out_type), _ok(values, ok)


_FIELD_OFFSETS: tuple[tuple[str, int], ...] = (
    ("year", 0),
    ("month", 5),
    ("day", 8),
    ("hour", 11),
    ("minute", 14),
    ("second", 17),
)
"""Where each field starts in ``YYYY-MM-DD[ T]HH:MM:SS`` (the shapes the regexes admit)."""
_WIDTH = {"year": 4, "month": 2, "day": 2, "hour": 2, "minute": 2, "second": 2}


def _ok(values: pa.Array, ok: pa.Array) -> np.ndarray:
    """True where ``values`` is null or ``ok`` holds."""
    return _np(pc.or_(pc.is_null(values), pc.fill_null(ok, False)))


def _np(mask: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, null = False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
