"""Build extract deliveries for tests, per the contract (``shared/docs/extracts.md``).

``write_delivery(landing, "crm", date(2026, 3, 14), {"tickets": [row, ...]})`` writes every
entity of the source (header-only where no rows are given) as RFC 4180 CSV and then the
``_manifest.json`` (rows, sha256). A row is a ``{column: value}`` dict (missing columns and
``None`` are empty fields; :func:`valid_row` gives a contract-valid one) or a ``str`` written
verbatim as one physical line, to plant malformed records. ``corrupt`` spoils the delivery
the way a source system would: ``row_count``, ``checksum``, ``missing_column``, ``missing_file``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

from orchestration import contract
from orchestration.contract import Column, Entity

Row = Mapping[str, object] | str
CORRUPTIONS = ("row_count", "checksum", "missing_column", "missing_file")


def write_delivery(
    landing: Path,
    source: str,
    business_date: date,
    rows: Mapping[str, Sequence[Row]] | None = None,
    *,
    encoding: str | None = None,
    corrupt: str | None = None,
    corrupt_entity: str | None = None,
    generated_at: str | None = None,
    manifest: bool = True,
    line_end: str = "\n",
    extra_columns: Sequence[str] = (),
    column_order: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write one delivery folder and return it. ``encoding`` defaults to what the source
    usually writes (``contract.SOURCE_ENCODING``; ``utf-8-sig`` writes a BOM);
    ``manifest=False`` leaves it incomplete; ``column_order`` gives an entity's header order
    (any order is valid: the loader matches columns by name)."""
    rows = rows or {}
    unknown = set(rows) - {e.name for e in contract.entities(source)}
    if unknown:
        raise KeyError(f"not entities of {source}: {sorted(unknown)}")
    if corrupt is not None and corrupt not in CORRUPTIONS:
        raise ValueError(f"corrupt must be one of {CORRUPTIONS}, not {corrupt!r}")
    folder = landing / source / business_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    target = corrupt_entity or next(iter(rows), contract.entities(source)[0].name)
    enc = encoding or contract.SOURCE_ENCODING[source]
    files = []
    for ent in contract.entities(source):
        header = list((column_order or {}).get(ent.name, ent.column_names)) + list(extra_columns)
        if corrupt == "missing_column" and ent.name == target:
            header = header[1:]
        data = render_csv(header, rows.get(ent.name, ()), line_end).encode(enc)
        path = folder / ent.file
        path.write_bytes(data)
        n = len(rows.get(ent.name, ()))
        sha = hashlib.sha256(data).hexdigest()
        if ent.name == target and corrupt == "row_count":
            n += 1
        if ent.name == target and corrupt == "checksum":
            sha = hashlib.sha256(data + b"x").hexdigest()
        files.append({"entity": ent.name, "file": ent.file, "rows": n, "sha256": sha})
    if corrupt == "missing_file":
        (folder / f"{target}.csv").unlink()
    if manifest:
        doc = {
            "source": source,
            "business_date": business_date.isoformat(),
            "generated_at": generated_at or default_generated_at(business_date),
            "files": files,
        }
        (folder / "_manifest.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return folder


def render_csv(header: Sequence[str], rows: Sequence[Row], line_end: str = "\n") -> str:
    """RFC 4180 text: header, then each row (dicts in header order, strings verbatim)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        if isinstance(row, str):
            buf.write(row + line_end)
        else:
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in header])
    return buf.getvalue()


def default_generated_at(business_date: date) -> str:
    """The next day 06:00 Asia/Shanghai, ISO-8601 with offset."""
    return f"{business_date + timedelta(days=1)}T06:00:00+08:00"


_PATTERN_VALUES = {
    contract.ID_CARD_NO: lambda i: id_card_number(f"11010119900101{i % 1000:03d}"),
    contract.MOBILE_NO: lambda i: f"138{i:08d}",
    contract.PERIOD_MONTH: lambda i: "2026-03",
}
_ID_VALUES = {
    "employee_id": lambda i: f"{i % 999_999 + 1:06d}",
    "agent_login": lambda i: f"{i % 9_999 + 1:04d}",
    "customer_id": lambda i: f"{i + 1:010d}",
}
"""Identifiers with leading zeros (they must survive); other ids are ``<column>-<i>``."""


def id_card_number(body: str) -> str:
    """``body`` (17 digits) with its GB 11643 check character."""
    total = sum(int(d) * (2 ** (17 - k) % 11) for k, d in enumerate(body))
    return body + "10X98765432"[total % 11]


_BASE = datetime.combine(date(2026, 3, 14), time(9, 2, 3))


def valid_row(source: str, entity: str, i: int = 0, **overrides: object) -> dict[str, object]:
    """A contract-valid row of ``source.entity``; ``i`` makes keys unique (row ``i``)."""
    ent = contract.entity(source, entity)
    row = {c.name: _value(ent, c, i) for c in ent.columns}
    unknown = set(overrides) - set(row)
    if unknown:
        raise KeyError(f"{source}.{entity} has no columns {sorted(unknown)}")
    row.update(overrides)
    return row


def _value(ent: Entity, col: Column, i: int) -> str:
    if col.pattern is not None:
        return _PATTERN_VALUES[col.pattern](i)
    if col.name in _ID_VALUES:
        return _ID_VALUES[col.name](i)
    if col.values is not None:
        return col.values[i % len(col.values)] if col.name not in ent.key else col.values[0]
    if col.type == "str":
        return f"{col.name}-{i}"
    if col.type == "bool":
        return "Y" if i % 2 == 0 else "N"
    if col.type in ("int", "float"):
        low = int(col.min) if col.min is not None else 1
        return str(low + (i if col.name in ent.key else 0))
    if col.type == "date":
        return (_BASE.date() + timedelta(days=i if col.name in ent.key else 0)).isoformat()
    moment = _BASE + timedelta(seconds=i)
    if ent.timezone == "UTC":
        return (moment - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%d %H:%M:%S")
