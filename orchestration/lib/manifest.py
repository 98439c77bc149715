"""Delivery manifests: find complete deliveries, read and validate ``_manifest.json``, and
verify each listed file (present, sha256, decodable, data-row count).

A delivery is ``<landing>/<source>/<YYYY-MM-DD>/`` and is complete only once its
``_manifest.json`` exists (it is written last). Every problem raises :class:`DeliveryError`
carrying the rule (``docs/raw-layer.md``), the file and a message naming both.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib.csv_records import CsvRecords, split_records
from orchestration.lib.encoding import Decoded, UndecodableError, decode_bytes

MANIFEST_NAME = "_manifest.json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DeliveryError(ValueError):
    """A delivery-level problem: the whole delivery is rejected."""

    def __init__(self, rule: str, file: str, message: str) -> None:
        super().__init__(f"{rule}: {file}: {message}")
        self.rule = rule
        self.file = file
        self.detail = message


@dataclass(frozen=True)
class DeliveryRef:
    """A complete delivery found in the landing folder."""

    source: str
    business_date: date
    folder: Path

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_NAME


@dataclass(frozen=True)
class ManifestFile:
    """One ``files[]`` entry of a manifest."""

    entity: str
    file: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """A validated manifest; ``generated_at`` is naive UTC."""

    source: str
    business_date: date
    generated_at: datetime
    files: tuple[ManifestFile, ...]
    sha256: str
    """Checksum of the manifest file itself (identifies one sending of a delivery)."""


@dataclass
class VerifiedFile:
    """A listed file whose checksum and row count match its manifest entry."""

    entry: ManifestFile
    path: Path
    relative: str
    """Path relative to the landing folder, ``<source>/<date>/<file>``."""
    decoded: Decoded
    records: CsvRecords


def delivery_folder(landing: Path, source: str, business_date: date) -> Path:
    return landing / source / business_date.isoformat()


@dataclass(frozen=True)
class Ignored:
    """A path in the landing folder that is not (yet) a delivery, and why."""

    path: str
    """Relative to the landing folder."""
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LandingScan:
    """What the landing folder holds: complete deliveries, and everything else with a reason
    (unknown sources, folders that are no real date or lie outside the window, incomplete
    deliveries, symbolic links). Only ``complete`` ever reaches a run."""

    complete: list[DeliveryRef]
    ignored: list[Ignored]


def scan_landing(
    landing: Path,
    sources: Sequence[str],
    earliest: date | None = None,
    latest: date | None = None,
) -> LandingScan:
    """Deliveries ``<source>/<YYYY-MM-DD>/`` of the contract's ``sources`` with a manifest and
    a business date in ``[earliest, latest]``, sorted by (source, date). Hidden entries (a
    leading dot) are skipped silently; everything else that is not such a delivery is listed
    in ``ignored`` with its reason. Symbolic links are refused (never followed): a delivery is
    a real folder of the landing area, so lineage names the files that were read."""
    scan = LandingScan([], [])
    if not landing.is_dir():
        return scan
    for source_dir in sorted(p for p in landing.iterdir() if not p.name.startswith(".")):
        rel = source_dir.name
        if source_dir.is_symlink():
            scan.ignored.append(Ignored(rel, symlink_refusal(source_dir)))
        elif not source_dir.is_dir():
            scan.ignored.append(Ignored(rel, "a file, not a source folder"))
        elif source_dir.name not in sources:
            known = ", ".join(sources)
            scan.ignored.append(Ignored(rel, f"not a source of the contract ({known})"))
        else:
            for day_dir in sorted(p for p in source_dir.iterdir() if not p.name.startswith(".")):
                ref, why = _delivery(day_dir, earliest, latest)
                if ref is not None:
                    scan.complete.append(ref)
                else:
                    scan.ignored.append(Ignored(f"{rel}/{day_dir.name}", why))
    return scan


def _delivery(
    day_dir: Path, earliest: date | None, latest: date | None
) -> tuple[DeliveryRef | None, str]:
    if day_dir.is_symlink():
        return None, symlink_refusal(day_dir)
    if not day_dir.is_dir():
        return None, "a file, not a delivery folder"
    try:
        day = date.fromisoformat(day_dir.name)
    except ValueError:
        day = None
    if day is None or day_dir.name != day.isoformat():
        return None, "not a business date folder (YYYY-MM-DD, a real calendar date)"
    if earliest is not None and day < earliest:
        return None, f"before the first partition ({earliest}, CSQ_PARTITIONS_START)"
    if latest is not None and day > latest:
        return None, f"after the last business date that has ended ({latest}, Asia/Shanghai)"
    if not (day_dir / MANIFEST_NAME).is_file():
        return None, f"incomplete: no {MANIFEST_NAME} yet (the source writes it last)"
    return DeliveryRef(day_dir.parent.name, day, day_dir), ""


def symlink_refusal(path: Path) -> str:
    """Why a symbolic link in the landing folder is not read."""
    return (
        f"a symbolic link (to {os.readlink(path)}): refused, deliveries must be real files in "
        "the landing folder so that lineage names what was read; copy them in"
    )


def read_manifest(folder: Path, landing: Path, default_tz: str = "UTC") -> Manifest:
    """Read and validate ``folder/_manifest.json`` (structure and types only).

    ``default_tz`` interprets a ``generated_at`` without offset. Whether source and date match
    the folder is checked by the caller (rules ``source_mismatch`` / ``manifest_invalid``).
    """
    path = folder / MANIFEST_NAME
    rel = _relative(path, landing)
    if path.is_symlink():
        raise DeliveryError("symlink", rel, symlink_refusal(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DeliveryError("manifest_invalid", rel, "manifest file is missing") from exc
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryError("manifest_invalid", rel, f"not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise DeliveryError("manifest_invalid", rel, "top level is not a JSON object")
    for key in ("source", "business_date", "generated_at", "files"):
        if key not in doc:
            raise DeliveryError("manifest_invalid", rel, f"missing key {key!r}")
    try:
        business_date = date.fromisoformat(str(doc["business_date"]))
    except ValueError as exc:
        raise DeliveryError(
            "manifest_invalid", rel, f"business_date {doc['business_date']!r} is not YYYY-MM-DD"
        ) from exc
    generated_at = _parse_generated_at(doc["generated_at"], default_tz, rel)
    if not isinstance(doc["files"], list):
        raise DeliveryError("manifest_invalid", rel, "'files' is not a list")
    files = tuple(_file_entry(i, item, rel) for i, item in enumerate(doc["files"]))
    entities = [f.entity for f in files]
    duplicated = sorted({e for e in entities if entities.count(e) > 1})
    if duplicated:
        raise DeliveryError("manifest_invalid", rel, f"entities listed twice: {duplicated}")
    return Manifest(
        source=str(doc["source"]),
        business_date=business_date,
        generated_at=generated_at,
        files=files,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def verify_file(folder: Path, entry: ManifestFile, landing: Path) -> VerifiedFile:
    """Check one listed file: present, sha256, decodable, data-row count (RFC 4180 records,
    header excluded, malformed records included)."""
    path = folder / entry.file
    rel = _relative(path, landing)
    if path.is_symlink():
        raise DeliveryError("symlink", rel, symlink_refusal(path))
    if not path.is_file():
        raise DeliveryError("missing_file", rel, "listed in the manifest but not delivered")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise DeliveryError(
            "checksum_mismatch", rel, f"sha256 is {digest}, manifest says {entry.sha256}"
        )
    try:
        decoded = decode_bytes(data, rel)
    except UndecodableError as exc:
        raise DeliveryError("undecodable", rel, str(exc)) from exc
    records = split_records(decoded.text)
    if records.data_rows != entry.rows:
        raise DeliveryError(
            "row_count_mismatch",
            rel,
            f"{records.data_rows} data rows in the file, manifest says {entry.rows}",
        )
    return VerifiedFile(entry, path, rel, decoded, records)


def _file_entry(index: int, item: object, rel: str) -> ManifestFile:
    where = f"files[{index}]"
    if not isinstance(item, dict):
        raise DeliveryError("manifest_invalid", rel, f"{where} is not an object")
    for key in ("entity", "file", "rows", "sha256"):
        if key not in item:
            raise DeliveryError("manifest_invalid", rel, f"{where} has no {key!r}")
    entity, file, rows, sha = item["entity"], item["file"], item["rows"], item["sha256"]
    if not isinstance(entity, str) or not isinstance(file, str):
        raise DeliveryError("manifest_invalid", rel, f"{where}: entity and file must be text")
    if file != f"{entity}.csv":
        raise DeliveryError(
            "manifest_invalid", rel, f"{where}: file {file!r} must be {entity + '.csv'!r}"
        )
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise DeliveryError("manifest_invalid", rel, f"{where}: rows {rows!r} is not an int >= 0")
    if not isinstance(sha, str) or not _SHA256.match(sha.lower()):
        raise DeliveryError("manifest_invalid", rel, f"{where}: sha256 {sha!r} is not 64 hex")
    return ManifestFile(entity, file, rows, sha.lower())


def _parse_generated_at(value: object, default_tz: str, rel: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise DeliveryError(
            "manifest_invalid", rel, f"generated_at {value!r} is not ISO-8601"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(default_tz))
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _relative(path: Path, landing: Path) -> str:
    try:
        return path.relative_to(landing).as_posix()
    except ValueError:
        return path.as_posix()
