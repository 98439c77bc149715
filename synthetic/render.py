"""Render entity frames to contract CSV text and write deliveries with their manifest.

Internal frames hold epoch seconds (UTC) for timestamps (negative = NULL), ``datetime64``
or ``date`` for dates, booleans for Y/N columns. Rendering follows the contract: telephony
timestamps ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), other sources naive Asia/Shanghai
``YYYY-MM-DD HH:MM:SS``; HR writes some dates as ``YYYY/MM/DD``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contract import SOURCE_ENCODING, Entity

SLASH_DATE_SHARE = 0.15
"""Share of HR rows whose dates are written ``YYYY/MM/DD``."""
_NEEDS_QUOTES = r'[,"\r\n]'
_EPOCH_DAY = np.datetime64("1970-01-01", "D")


@lru_cache(maxsize=2)
def _clock(suffix: str) -> pa.Array:
    """``HH:MM:SS<suffix>`` for every second of a day (index = seconds since midnight)."""
    return pa.array(
        [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(86400)]
    )


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _day_text(days: np.ndarray) -> pa.Array:
    """ISO dates of integer day numbers (days since 1970-01-01), formatted once per date."""
    unique, inverse = np.unique(days, return_inverse=True)
    table = pa.array(np.datetime_as_string(unique.astype("datetime64[D]"), unit="D"))
    return table.take(pa.array(inverse.reshape(-1)))


def _ts(values: pd.Series, utc: bool) -> pa.Array:
    secs = _floats(values)
    null = np.isnan(secs) | (secs < 0)
    shifted = np.where(null, 0, secs).astype(np.int64) + (0 if utc else 8 * 3600)
    day, second = np.divmod(shifted, 86400)
    text = pc.binary_join_element_wise(
        _day_text(day), _clock("Z" if utc else "").take(pa.array(second)), "T" if utc else " "
    )
    return pc.if_else(pa.array(null), "", text)


def _date(values: pd.Series, slash: np.ndarray | None) -> pa.Array:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        days = values.to_numpy(dtype="datetime64[D]")
    else:
        days = pd.to_datetime(
            pd.Series(values.to_numpy(dtype=object, na_value=None), dtype=object), errors="coerce"
        ).to_numpy(dtype="datetime64[D]")
    null = np.isnat(days)
    text = _day_text(np.where(null, _EPOCH_DAY, days).astype(np.int64))
    if slash is not None:
        text = pc.if_else(pa.array(slash), pc.replace_substring(text, "-", "/"), text)
    return pc.if_else(pa.array(null), "", text)


def _num(values: pd.Series, integer: bool) -> pa.Array:
    nums = _floats(values)
    null = np.isnan(nums)
    if integer:
        ints = pa.array(np.where(null, 0, nums).astype(np.int64), mask=null)
        return pc.fill_null(pc.cast(ints, pa.string()), "")
    return pa.array(
        ["" if np.isnan(v) else f"{v:.2f}".rstrip("0").rstrip(".") for v in nums], pa.string()
    )


def _bool(values: pd.Series) -> pa.Array:
    if values.dtype == bool:
        return pc.if_else(pa.array(values.to_numpy()), "Y", "N")
    return pa.array(
        ["" if v is None or v != v else ("Y" if v else "N") for v in values], pa.string()
    )


def _str(values: pd.Series) -> pa.Array:
    """Text of a column (null -> empty), quoted as ``csv.writer`` does (QUOTE_MINIMAL)."""
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pa.array(
            ["" if v is None or v != v else str(v) for v in values.to_numpy(dtype=object)],
            pa.string(),
        )
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = pc.fill_null(text, "")
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def to_text(entity: Entity, frame: pd.DataFrame, rng: np.random.Generator | None = None) -> str:
    """The CSV text (header + rows, ``\\n`` line ends) of ``frame`` in contract column order.

    Formats whole columns with numpy / pyarrow and joins them in C (RFC 4180, quoting only
    values that need it, byte-identical to ``csv.writer``)."""
    missing = [c for c in entity.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{entity.source}.{entity.name}: generator frame lacks columns {missing}")
    slash = None
    if entity.source == "hr" and rng is not None:
        slash = rng.random(len(frame)) < SLASH_DATE_SHARE
    header = ",".join(entity.column_names) + "\n"
    if not len(frame):
        return header
    columns = []
    for col in entity.columns:
        series = frame[col.name]
        if col.type == "ts":
            columns.append(_ts(series, utc=entity.timezone == "UTC"))
        elif col.type == "date":
            columns.append(_date(series, slash))
        elif col.type in ("int", "float"):
            columns.append(_num(series, col.type == "int"))
        elif col.type == "bool":
            columns.append(_bool(series))
        else:
            columns.append(_str(series))
    lines = pc.binary_join_element_wise(*columns, ",")
    body = pc.binary_join(
        pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines), "\n"
    )
    text = header + body[0].as_py() + "\n"
    if "\r" in text or text.count("\n") != len(frame) + 1:
        raise ValueError(f"{entity.source}.{entity.name}: a value contains a line break")
    return text


def generated_at(business_date: date, resend: int = 0) -> str:
    """Deterministic ``generated_at``: next day 06:00 +08:00 (a re-send: 3 h later per resend)."""
    at = datetime.combine(business_date + timedelta(days=1), datetime.min.time()) + timedelta(
        hours=6 + 3 * resend
    )
    return at.isoformat() + "+08:00"


@dataclass
class FileOut:
    """One file of a delivery as it will be written."""

    entity: str
    text: str
    manifest_rows: int | None = None
    """Rows to claim in the manifest (``None``: the true count)."""
    edited_lines: set[int] = field(default_factory=set)
    """Line indexes a defect already changed: no line carries two defects."""

    @property
    def rows(self) -> int:
        return self.text.count("\n") - 1


def write_delivery(
    folder: Path,
    source: str,
    business_date: date,
    files: list[FileOut],
    stamp: str,
    manifest: bool = True,
) -> int:
    """Write the files, then ``_manifest.json`` last; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    entries, total = [], 0
    for f in files:
        data = f.text.encode(SOURCE_ENCODING[source])
        (folder / f"{f.entity}.csv").write_bytes(data)
        total += len(data)
        entries.append(
            {
                "entity": f.entity,
                "file": f"{f.entity}.csv",
                "rows": f.rows if f.manifest_rows is None else f.manifest_rows,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    if manifest:
        body = {
            "source": source,
            "business_date": business_date.isoformat(),
            "generated_at": stamp,
            "files": entries,
        }
        tmp = folder / "_manifest.json.tmp"
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, folder / "_manifest.json")
    return total
