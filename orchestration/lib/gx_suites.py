"""Expectation suites as reviewed JSON files (``expectations/*.json``), parsed and validated.

A suite file is a GX 1.x suite (``name``, ``expectations`` with ``type``/``kwargs``/``meta``)
plus suite-level ``meta`` saying what it guards:

* ``asset_key``: the Dagster asset key (``["raw", source, entity]`` or ``["core", fct]``);
* ``kind``: ``raw`` (Parquet partitions) or ``core`` (warehouse table);
* ``date_column`` (core only): the business-date column selecting the run's rows;
* ``derived_columns`` (optional): columns the runner adds before validating (see
  :mod:`orchestration.lib.gx_runtime`).

Every expectation carries ``meta.severity`` (``error`` blocks the marts, ``warn`` only warns)
and ``meta.why``. Optional expectation meta understood by the runner:

* ``volume_band``: ``{"lookback": N, "min_history": M, "low": a, "high": b}`` - a row-count
  check run per partition with bounds from the trailing median of prior partitions;
* ``min_rows``: skip (with a note) when the batch has fewer rows (distribution checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SEVERITIES = ("error", "warn")
Kind = Literal["raw", "core"]
PARAMETER = "$PARAMETER"


class SuiteFileError(ValueError):
    """A suite file is malformed (names the file and the offending expectation)."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, as written in the file."""

    index: int
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]

    @property
    def severity(self) -> str:
        return str(self.meta["severity"])

    @property
    def column(self) -> str | None:
        """The column(s) the expectation is about, as one display string."""
        kw = self.kwargs
        if "column" in kw:
            return str(kw["column"])
        if "column_A" in kw:
            return f"{kw['column_A']},{kw['column_B']}"
        if "column_list" in kw and self.type != "expect_table_columns_to_match_ordered_list":
            return ",".join(map(str, kw["column_list"]))
        return None

    @property
    def parameters(self) -> set[str]:
        """Names of the ``{"$PARAMETER": name}`` values the runner must supply."""
        return {
            v[PARAMETER] for v in self.kwargs.values() if isinstance(v, dict) and PARAMETER in v
        }

    @property
    def label(self) -> str:
        """Readable identity: ``type(column)``."""
        return f"{self.type}({self.column})" if self.column else self.type

    def to_gx(self) -> dict[str, Any]:
        return {"type": self.type, "kwargs": dict(self.kwargs), "meta": dict(self.meta)}


@dataclass(frozen=True)
class SuiteSpec:
    """A parsed suite file."""

    name: str
    path: Path
    asset_key: tuple[str, ...]
    kind: Kind
    expectations: tuple[ExpectationSpec, ...]
    date_column: str | None = None
    derived_columns: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def has_error_expectations(self) -> bool:
        return any(e.severity == "error" for e in self.expectations)

    @property
    def asset_path(self) -> str:
        return "/".join(self.asset_key)


def _fail(path: Path, message: str) -> SuiteFileError:
    return SuiteFileError(f"{path}: {message}")


def parse_suite(path: Path) -> SuiteSpec:
    """Read and validate one suite file; raises :class:`SuiteFileError` naming the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _fail(path, f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    name = data.get("name")
    if name != path.stem:
        raise _fail(path, f"suite name {name!r} must equal the file name {path.stem!r}")
    meta = data.get("meta") or {}
    key = meta.get("asset_key")
    kind = meta.get("kind")
    if not isinstance(key, list) or not key or kind not in ("raw", "core"):
        raise _fail(path, "meta needs asset_key (list) and kind ('raw' | 'core')")
    if ".".join(key) != name:
        raise _fail(path, f"suite name must be the asset key joined by dots ({'.'.join(key)})")
    if kind == "core" and not meta.get("date_column"):
        raise _fail(path, "core suites need meta.date_column (the business date of a row)")
    expectations = []
    for i, raw in enumerate(data.get("expectations") or []):
        where = f"expectation #{i} ({raw.get('type')})"
        emeta = raw.get("meta") or {}
        if emeta.get("severity") not in SEVERITIES:
            raise _fail(path, f"{where}: meta.severity must be one of {SEVERITIES}")
        if not str(emeta.get("why") or "").strip():
            raise _fail(path, f"{where}: meta.why is required")
        if not str(raw.get("type") or "").startswith("expect_"):
            raise _fail(path, f"{where}: type must name a GX expectation")
        expectations.append(ExpectationSpec(i, raw["type"], dict(raw.get("kwargs") or {}), emeta))
    if not expectations:
        raise _fail(path, "a suite needs at least one expectation")
    return SuiteSpec(
        name=name,
        path=path,
        asset_key=tuple(key),
        kind=kind,
        expectations=tuple(expectations),
        date_column=meta.get("date_column"),
        derived_columns=tuple(meta.get("derived_columns") or ()),
        meta=meta,
    )


def load_suites(directory: Path) -> list[SuiteSpec]:
    """Every ``*.json`` suite in ``directory`` (sorted by name)."""
    paths = sorted(p for p in directory.glob("*.json") if not p.name.startswith("_"))
    if not paths:
        raise SuiteFileError(f"{directory}: no expectation suite files (*.json)")
    return [parse_suite(p) for p in paths]


def default_suites_dir() -> Path:
    """``<repo>/expectations`` (next to the ``orchestration`` package)."""
    return Path(__file__).resolve().parents[2] / "expectations"
