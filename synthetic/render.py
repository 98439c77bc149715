"""Render entity frames to contract CSV text and write deliveries with their manifest.

Internal frames hold epoch seconds (UTC) for timestamps (negative = NULL), ``datetime64``
or ``date`` for dates, booleans for Y/N columns. Rendering follows the contract: telephony
timestamps ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), other sources naive Asia/Shanghai
``YYYY-MM-DD HH:MM:SS``; HR writes some dates as ``YYYY/MM/DD``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.contract import SOURCE_ENCODING, Entity

SLASH_DATE_SHARE = 0.15
"""Share of HR rows whose dates are written ``YYYY/MM/DD``."""


def _column(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=object, na_value=None)


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _ts(values: pd.Series, utc: bool) -> np.ndarray:
    if not len(values):
        return np.zeros(0, dtype=object)
    secs = _floats(values)
    null = np.isnan(secs) | (secs < 0)
    shifted = np.where(null, 0, secs).astype(np.int64) + (0 if utc else 8 * 3600)
    text = np.datetime_as_string(shifted.astype("datetime64[s]"), unit="s")
    text = np.strings.add(text, "Z") if utc else np.strings.replace(text, "T", " ")
    return np.where(null, "", text).astype(object)


def _date(values: np.ndarray, slash: np.ndarray | None) -> np.ndarray:
    if not len(values):
        return np.zeros(0, dtype=object)
    days = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype="datetime64[D]"
    )
    null = np.isnat(days)
    text = np.datetime_as_string(np.where(null, np.datetime64("1970-01-01"), days), unit="D")
    if slash is not None and len(text):
        text = np.where(slash, np.strings.replace(text, "-", "/"), text)
    return np.where(null, "", text).astype(object)


def _num(values: pd.Series, integer: bool) -> np.ndarray:
    nums = _floats(values)
    null = np.isnan(nums)
    if integer:
        return np.where(null, "", np.where(null, 0, nums).astype(np.int64).astype(str)).astype(
            object
        )
    return np.array(
        ["" if np.isnan(v) else f"{v:.2f}".rstrip("0").rstrip(".") for v in nums], dtype=object
    )


def _bool(values: np.ndarray) -> np.ndarray:
    return np.array(
        ["" if v is None or v != v else ("Y" if v else "N") for v in values], dtype=object
    )


def _str(values: np.ndarray) -> np.ndarray:
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)


def to_text(entity: Entity, frame: pd.DataFrame, rng: np.random.Generator | None = None) -> str:
    """The CSV text (header + rows, ``\\n`` line ends) of ``frame`` in contract column order."""
    missing = [c for c in entity.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{entity.source}.{entity.name}: generator frame lacks columns {missing}")
    slash = None
    if entity.source == "hr" and rng is not None:
        slash = rng.random(len(frame)) < SLASH_DATE_SHARE
    columns = []
    for col in entity.columns:
        series = frame[col.name]
        v = series if col.type in ("ts", "int", "float") else _column(series)
        if col.type == "ts":
            columns.append(_ts(v, utc=entity.timezone == "UTC"))
        elif col.type == "date":
            columns.append(_date(v, slash))
        elif col.type in ("int", "float"):
            columns.append(_num(v, col.type == "int"))
        elif col.type == "bool":
            columns.append(_bool(v))
        else:
            columns.append(_str(v))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(entity.column_names)
    writer.writerows(zip(*columns, strict=True))
    text = buf.getvalue()
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
