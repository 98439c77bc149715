"""Load one delivery (source x business date) from the landing folder into the raw layer.

Pure Python (no Dagster). Layout, types, quarantine rules and load audit:
``docs/raw-layer.md``. In short: verify the whole delivery first (no symbolic link, manifest,
every file's presence, sha256, encoding, data-row count, header); any problem rejects the whole
delivery (only a load-audit record is written, :class:`DeliveryRejected` is raised). Otherwise
parse every file (:mod:`.parse`), then write one raw and one quarantine ``data.parquet`` per
entity (always, even empty) and the load audit as one unit (``lib/journal.py``): a load killed
half-way is undone or finished by :func:`recover_loads` at the start of the next run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from orchestration.contract import LINEAGE_COLUMNS, SOURCES, Entity, entities
from orchestration.defs.ingest.parse import ParsedFile, parse_records
from orchestration.lib.atomic import write_parquet_atomic
from orchestration.lib.failpoint import pause_at
from orchestration.lib.journal import FileGroup, Recovered, recover
from orchestration.lib.manifest import (
    MANIFEST_NAME,
    DeliveryError,
    Manifest,
    VerifiedFile,
    delivery_folder,
    read_manifest,
    symlink_refusal,
    verify_file,
)
from orchestration.lib.raw_schema import (
    LOAD_AUDIT_SCHEMA,
    QUARANTINE_SCHEMA,
    partition_dir,
    raw_schema,
)
from orchestration.settings import Settings

DATA_FILE = "data.parquet"


class DeliveryNotFound(FileNotFoundError):
    """No complete delivery (no ``_manifest.json``) for this source and date."""


@dataclass(frozen=True)
class Problem:
    """One delivery-level problem: rule (``docs/raw-layer.md``), file, message."""

    rule: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.file}: {self.message}"


class DeliveryRejected(Exception):
    """The whole delivery was rejected; nothing of it reached raw/ or quarantine/."""

    def __init__(
        self, source: str, business_date: date, problems: list[Problem], audit_path: Path
    ) -> None:
        self.source = source
        self.business_date = business_date
        self.problems = problems
        self.audit_path = audit_path
        listed = "; ".join(str(p) for p in problems)
        super().__init__(f"delivery {source} {business_date.isoformat()} rejected: {listed}")


@dataclass(frozen=True)
class FileLoad:
    """What one loaded file produced."""

    entity: str
    source_file: str
    sha256: str
    encoding: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    raw_path: Path
    quarantine_path: Path
    quarantine_reasons: dict[str, int]
    extra_columns: list[str]


@dataclass(frozen=True)
class DeliveryResult:
    """An accepted delivery, as written to the raw layer."""

    source: str
    business_date: date
    load_id: str
    manifest_generated_at: datetime
    manifest_sha256: str
    files: dict[str, FileLoad]
    audit_path: Path


@dataclass
class LoadSummary:
    """Outcome of loading several dates of one source."""

    source: str
    loaded: list[DeliveryResult] = field(default_factory=list)
    rejected: list[DeliveryRejected] = field(default_factory=list)
    skipped: list[date] = field(default_factory=list)
    """Dates without a complete delivery (no manifest yet): ignored."""


def load_deliveries(
    settings: Settings, source: str, dates: Iterable[date], load_id: str
) -> LoadSummary:
    """Load every date that has a complete delivery; a rejected day does not stop the others."""
    summary = LoadSummary(source)
    for day in sorted(set(dates)):
        try:
            summary.loaded.append(load_delivery(settings, source, day, load_id))
        except DeliveryNotFound:
            summary.skipped.append(day)
        except DeliveryRejected as rejected:
            summary.rejected.append(rejected)
    return summary


def load_delivery(
    settings: Settings, source: str, business_date: date, load_id: str
) -> DeliveryResult:
    """Verify, parse and write one delivery; see the module docstring."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    landing = settings.landing_dir
    folder = delivery_folder(landing, source, business_date)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    linked = next((p for p in (folder.parent, folder) if p.is_symlink()), None)
    if linked is None and not (folder / MANIFEST_NAME).is_file():
        raise DeliveryNotFound(f"no complete delivery at {folder} (no {MANIFEST_NAME})")
    if linked is not None:
        manifest, verified = None, {}
        problems = [
            Problem("symlink", linked.relative_to(landing).as_posix(), symlink_refusal(linked))
        ]
    else:
        manifest, verified, problems = _verify(landing, folder, source, business_date)
    if problems:
        rows = [
            _audit_row(load_id, loaded_at, source, business_date, manifest, status="rejected")
            | {"source_file": p.file, "message": str(p)}
            for p in problems
        ]
        audit = _write_audit(settings, source, business_date, load_id, rows)
        raise DeliveryRejected(source, business_date, problems, audit)
    assert manifest is not None
    parsed = {
        name: parse_records(
            vf.entity, vf.file.records, business_date, encoding=vf.file.decoded.encoding
        )
        for name, vf in verified.items()
    }
    group = _delivery_group(settings, source, business_date, load_id, verified)
    files: dict[str, FileLoad] = {}
    audit_rows = []
    for name, vf in verified.items():
        load = _write_entity(group, settings, vf, parsed[name], manifest, business_date, load_id)
        files[name] = load
        audit_rows.append(
            _audit_row(load_id, loaded_at, source, business_date, manifest, status="loaded")
            | {
                "entity": name,
                "source_file": load.source_file,
                "file_sha256": load.sha256,
                "encoding": load.encoding,
                "rows_in": load.rows_in,
                "rows_loaded": load.rows_loaded,
                "rows_quarantined": load.rows_quarantined,
                "message": _load_message(load),
            }
        )
    audit = audit_path(settings, source, business_date, load_id)
    group.stage(pa.Table.from_pylist(audit_rows, schema=LOAD_AUDIT_SCHEMA), audit)
    group.commit()
    return DeliveryResult(
        source, business_date, load_id, manifest.generated_at, manifest.sha256, files, audit
    )


def _delivery_group(
    settings: Settings,
    source: str,
    business_date: date,
    load_id: str,
    verified: dict[str, _Verified],
) -> FileGroup:
    """The files of one accepted delivery, replaced as a unit (``lib/journal.py``): every
    entity's raw and quarantine partition and the load-audit file."""
    targets = [
        partition_dir(root, vf.entity, business_date) / DATA_FILE
        for vf in verified.values()
        for root in (settings.raw_dir, settings.quarantine_dir)
    ]
    targets.append(audit_path(settings, source, business_date, load_id))
    return FileGroup(
        settings.journal_dir,
        f"{source}__{business_date}__{_safe(load_id)}",
        targets,
        meta={"source": source, "business_date": business_date.isoformat(), "load_id": load_id},
        pause=lambda point: pause_at(settings.failpoints, point, settings.home),
    )


def recover_loads(settings: Settings) -> list[Recovered]:
    """Finish or undo the deliveries a killed load left half-written (call under the run
    lock, before anything reads the raw layer). A rolled-back load gets an ``aborted`` audit
    row; a rolled-forward one already has its ``loaded`` rows (its audit file was part of it)."""
    recovered = recover(settings.journal_dir)
    for r in recovered:
        if r.action != "back":
            continue
        day = date.fromisoformat(r.meta["business_date"])
        row = _audit_row(
            r.meta["load_id"],
            datetime.now(UTC).replace(tzinfo=None),
            r.meta["source"],
            day,
            None,
            status="aborted",
        ) | {
            "message": "load killed before its files were switched in: rolled back, the "
            "previous delivery (if any) stays"
        }
        _write_audit(settings, r.meta["source"], day, r.meta["load_id"], [row])
    return recovered


@dataclass
class _Verified:
    entity: Entity
    file: VerifiedFile
    extra_columns: list[str]


def _verify(
    landing: Path, folder: Path, source: str, business_date: date
) -> tuple[Manifest | None, dict[str, _Verified], list[Problem]]:
    """Check the manifest and every file; collect every problem found."""
    contract = {e.name: e for e in entities(source)}
    try:
        manifest = read_manifest(folder, landing, contract_timezone(source))
    except DeliveryError as exc:
        return None, {}, [Problem(exc.rule, exc.file, exc.detail)]
    manifest_rel = f"{source}/{business_date.isoformat()}/{MANIFEST_NAME}"
    problems: list[Problem] = []
    if manifest.source != source:
        problems.append(
            Problem(
                "source_mismatch",
                manifest_rel,
                f"manifest source {manifest.source!r} but delivered in folder {source!r}",
            )
        )
    if manifest.business_date != business_date:
        problems.append(
            Problem(
                "manifest_invalid",
                manifest_rel,
                f"business_date {manifest.business_date} but delivered in folder {business_date}",
            )
        )
    listed = {f.entity: f for f in manifest.files}
    for name in sorted(set(listed) - set(contract)):
        problems.append(
            Problem("manifest_invalid", manifest_rel, f"entity {name!r} is not in the contract")
        )
    verified: dict[str, _Verified] = {}
    for name, ent in contract.items():
        if name not in listed:
            problems.append(
                Problem("missing_file", f"{source}/{business_date}/{ent.file}", "not listed")
            )
            continue
        try:
            vf = verify_file(folder, listed[name], landing)
        except DeliveryError as exc:
            problems.append(Problem(exc.rule, exc.file, exc.detail))
            continue
        header_problem, extra = _check_header(ent, vf)
        if header_problem:
            problems.append(header_problem)
        else:
            verified[name] = _Verified(ent, vf, extra)
    return manifest, verified, problems


def _check_header(ent: Entity, vf: VerifiedFile) -> tuple[Problem | None, list[str]]:
    records = vf.records
    if records.header_error or not records.header:
        why = records.header_error or "the file has no header row"
        return Problem("missing_column", vf.relative, f"header unreadable ({why})"), []
    header = records.header
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        return Problem("duplicate_column", vf.relative, f"header repeats {doubled}"), []
    missing = [c for c in ent.column_names if c not in header]
    if missing:
        return Problem("missing_column", vf.relative, f"header lacks {missing}"), []
    return None, [h for h in header if h not in ent.column_names]


def contract_timezone(source: str) -> str:
    """Time zone of the source's naive timestamps (one entity is enough: it is per source)."""
    return entities(source)[0].timezone


def _write_entity(
    group: FileGroup,
    settings: Settings,
    vf: _Verified,
    parsed: ParsedFile,
    manifest: Manifest,
    business_date: date,
    load_id: str,
) -> FileLoad:
    ent, file = vf.entity, vf.file
    n = parsed.table.num_rows
    lineage_values = {
        "_business_date": business_date,
        "_source_file": file.relative,
        "_file_sha256": file.entry.sha256,
        "_manifest_generated_at": manifest.generated_at,
        "_load_id": load_id,
    }
    schema = raw_schema(ent)
    arrays = [parsed.table.column(c.name) for c in ent.columns]
    for col in LINEAGE_COLUMNS:
        if col.name == "_line_no":
            arrays.append(pa.array(parsed.line_nos, pa.int64()))
        else:
            arrays.append(
                pa.repeat(pa.scalar(lineage_values[col.name], schema.field(col.name).type), n)
            )
    raw = pa.Table.from_arrays(arrays, schema=schema)
    records = file.records
    q = parsed.quarantined
    quarantine = pa.Table.from_pydict(
        {
            "source": [ent.source] * len(q),
            "entity": [ent.name] * len(q),
            "business_date": [business_date] * len(q),
            "source_file": [file.relative] * len(q),
            "line_no": [r.first_line for r in q],
            "raw_line": [records.raw_text(r.first_line, r.last_line) for r in q],
            "reason": [r.reason for r in q],
            "load_id": [load_id] * len(q),
        },
        schema=QUARANTINE_SCHEMA,
    )
    raw_path = group.stage(raw, partition_dir(settings.raw_dir, ent, business_date) / DATA_FILE)
    q_path = group.stage(
        quarantine, partition_dir(settings.quarantine_dir, ent, business_date) / DATA_FILE
    )
    return FileLoad(
        entity=ent.name,
        source_file=file.relative,
        sha256=file.entry.sha256,
        encoding=file.decoded.encoding,
        rows_in=records.data_rows,
        rows_loaded=n,
        rows_quarantined=len(q),
        raw_path=raw_path,
        quarantine_path=q_path,
        quarantine_reasons=dict(sorted(Counter(r.reason for r in q).items())),
        extra_columns=vf.extra_columns,
    )


def _load_message(load: FileLoad) -> str | None:
    parts = []
    if load.quarantine_reasons:
        parts.append(
            "quarantined " + ", ".join(f"{k}={v}" for k, v in load.quarantine_reasons.items())
        )
    if load.extra_columns:
        parts.append(f"extra columns ignored: {load.extra_columns}")
    return "; ".join(parts) or None


def _audit_row(
    load_id: str,
    loaded_at: datetime,
    source: str,
    business_date: date,
    manifest: Manifest | None,
    status: str,
) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(LOAD_AUDIT_SCHEMA.names)
    row |= {
        "load_id": load_id,
        "loaded_at": loaded_at,
        "source": source,
        "business_date": business_date,
        "manifest_generated_at": manifest.generated_at if manifest else None,
        "status": status,
    }
    return row


def audit_path(settings: Settings, source: str, business_date: date | str, load_id: str) -> Path:
    """``audit/load_audit/<source>/business_date=<date>/<load_id>.parquet`` (a date of
    ``"*"``: the glob over every date)."""
    folder = settings.audit_dir / "load_audit" / source / f"business_date={business_date}"
    return folder / f"{_safe(load_id)}.parquet"


def _safe(load_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", load_id)


def _write_audit(
    settings: Settings,
    source: str,
    business_date: date,
    load_id: str,
    rows: list[dict[str, object]],
) -> Path:
    table = pa.Table.from_pylist(rows, schema=LOAD_AUDIT_SCHEMA)
    return write_parquet_atomic(table, audit_path(settings, source, business_date, load_id))
