"""Run expectation suites on a run's rows, chunk by chunk, in a GX session (one ephemeral
context and one Data Docs build per check step).

A run's partitions arrive as :class:`Chunk` s (whole partitions, a bounded number of rows
each), so memory does not grow with the length of a backfill. Each chunk is validated like a
daily run would validate it; the per-chunk results of an expectation are then merged into one
outcome (counts summed, ``mostly`` re-applied to the summed counts, the failing chunks'
partitions named).

Outcomes are plain dataclasses (no GX objects leak out). A GX problem - an exception inside
an expectation (``exception_info.raised_exception``, e.g. a missing column) or a failure to
build or run the suite at all - is an outcome with status ``error`` ("check could not run"),
never a pass and never a data failure.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd
import pyarrow as pa

from orchestration.lib.gx_runtime import VolumeBand
from orchestration.lib.gx_suites import ExpectationSpec, SuiteSpec
from orchestration.lib.memory import release_freed_memory

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # GX reads this itself at import

SAMPLE_SIZE = 5
DOCS_SITE = "csq"
_ARROW_TO_PANDAS: dict[pa.DataType, Any] = {
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.int32(): pd.Int64Dtype(),
}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas keeping NULLs in integer/boolean columns (nullable dtypes)."""
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation (or one volume check of one partition)."""

    suite: str
    expectation: str
    type: str
    column: str | None
    severity: str
    status: str
    """``passed`` | ``failed`` | ``error`` (could not run) | ``skipped`` (with a note)."""
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample_values: tuple[Any, ...] = ()
    partition: str | None = None
    note: str | None = None
    element_count: int | None = None
    missing_count: int | None = None
    failing_partitions: tuple[str, ...] = ()
    """The partitions a failure is about (ISO dates), when known more exactly than ``partition``
    says: the days of a failing chunk on which the expectation fails on its own."""

    def partitions_in(self, run_partitions: Sequence[str]) -> list[str]:
        """The run's partitions this outcome is about: those its ``partition`` names (dates,
        and ``first..last`` chunk ranges), or all of them when it names none."""
        if self.failing_partitions:
            return [p for p in run_partitions if p in self.failing_partitions]
        if not self.partition:
            return list(run_partitions)
        named: set[str] = set()
        for label in self.partition.split(", "):
            first, _, last = label.partition("..")
            named |= {p for p in run_partitions if first <= p <= (last or first)}
        return sorted(named) or list(run_partitions)

    def describe(self) -> str:
        """One line naming the expectation, what was observed and sample bad values."""
        where = f" [partition {_short(self.partition, 120)}]" if self.partition else ""
        parts = [f"{self.expectation}{where} {self.status.upper()} ({self.severity})"]
        if self.observed_value is not None:
            parts.append(f"observed={_short(self.observed_value)}")
        if self.unexpected_count:
            pct = f" ({self.unexpected_percent:.2f}%)" if self.unexpected_percent else ""
            parts.append(f"unexpected={self.unexpected_count}{pct}")
        if self.sample_values:
            parts.append(f"e.g. {_short(list(self.sample_values))}")
        if self.note:
            parts.append(self.note)
        return " ".join(parts)


@dataclass
class SuiteOutcome:
    """Everything one validation of one suite produced."""

    suite: str
    asset_key: tuple[str, ...]
    partitions: tuple[str, ...]
    row_count: int | None
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    data_docs: Path | None = None
    data_docs_url: str | None = None
    """The page served by ``csq docs`` (http on 127.0.0.1: browsers refuse file:// links)."""
    validated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    def _with(self, status: str, severity: str | None = None) -> list[ExpectationOutcome]:
        return [
            o
            for o in self.outcomes
            if o.status == status and (severity is None or o.severity == severity)
        ]

    @property
    def could_not_run(self) -> list[ExpectationOutcome]:
        return self._with("error")

    @property
    def failed_errors(self) -> list[ExpectationOutcome]:
        return self._with("failed", "error")

    @property
    def failed_warnings(self) -> list[ExpectationOutcome]:
        return self._with("failed", "warn")

    @property
    def severity(self) -> str | None:
        """``error`` if anything could not run or an error expectation failed, ``warn`` if
        only warnings failed, ``None`` if everything that ran passed."""
        if self.could_not_run or self.failed_errors:
            return "error"
        return "warn" if self.failed_warnings else None

    @property
    def passed(self) -> bool:
        return self.severity is None

    @property
    def partition_range(self) -> str:
        if not self.partitions:
            return "-"
        first, last = self.partitions[0], self.partitions[-1]
        return first if first == last else f"{first}..{last}"

    def summary(self) -> str:
        """The message a failed run shows: suite, asset, partitions, each problem."""
        head = (
            f"suite {self.suite} on asset {'/'.join(self.asset_key)}, "
            f"partition(s) {self.partition_range}, {self.row_count} row(s): "
        )
        problems = self.could_not_run + self.failed_errors + self.failed_warnings
        if not problems:
            skipped = len(self._with("skipped"))
            return (
                head
                + f"all {len(self.outcomes) - skipped} expectations passed"
                + (f" ({skipped} skipped)" if skipped else "")
            )
        if self.could_not_run:
            head += "CHECK COULD NOT RUN; "
        return head + "; ".join(o.describe() for o in problems)


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> Any:
    """Make GX/numpy values JSON-friendly (numbers stay numbers)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item") and not isinstance(value, Sequence):
        try:
            return _plain(value.item())
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def _exception_message(info: Mapping[str, Any]) -> str | None:
    """The message of a raised exception in GX's ``exception_info`` (flat or per metric)."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception", True):
            msg = value.get("exception_message")
            if msg:
                return str(msg)
    return None


def _error(suite: SuiteSpec, spec: ExpectationSpec | None, message: str) -> ExpectationOutcome:
    return ExpectationOutcome(
        suite=suite.name,
        expectation=spec.label if spec else "<suite>",
        type=spec.type if spec else "<suite>",
        column=spec.column if spec else None,
        severity="error",
        status="error",
        note=f"check could not run: {message}",
    )


def _skipped(suite: SuiteSpec, spec: ExpectationSpec, note: str, partition: str | None = None):
    return ExpectationOutcome(
        suite=suite.name,
        expectation=spec.label,
        type=spec.type,
        column=spec.column,
        severity=spec.severity,
        status="skipped",
        partition=partition,
        note=f"skipped: {note}",
    )


def _outcome(
    suite: SuiteSpec, spec: ExpectationSpec, result: Any, partition: str | None = None
) -> ExpectationOutcome:
    message = _exception_message(result.exception_info or {})
    if message is not None:
        return _error(suite, spec, message)
    res = result.result or {}
    samples = res.get("partial_unexpected_list") or ()
    return ExpectationOutcome(
        suite=suite.name,
        expectation=spec.label,
        type=spec.type,
        column=spec.column,
        severity=spec.severity,
        status="passed" if result.success else "failed",
        observed_value=_plain(res.get("observed_value")),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=_plain(res.get("unexpected_percent")),
        sample_values=tuple(_plain(list(samples)[:SAMPLE_SIZE])),
        partition=partition,
        element_count=res.get("element_count"),
        missing_count=res.get("missing_count"),
    )


@dataclass(frozen=True)
class Chunk:
    """Whole partitions of a run, validated together."""

    partitions: tuple[date, ...]
    frame: pd.DataFrame

    @property
    def label(self) -> str:
        first, last = min(self.partitions), max(self.partitions)
        return first.isoformat() if first == last else f"{first}..{last}"


class GxSession:
    """One ephemeral GX context shared by the suites a check step validates.

    Building a context and rendering Data Docs are GX's fixed costs (Jinja templates are
    compiled once per build): a step pays them once, not once per suite or chunk. Each
    validation run with ``docs=True`` is remembered; :meth:`build_docs` renders them all in
    one Data Docs build and names the page to show for each suite.
    """

    def __init__(self, docs_dir: Path) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self._definitions: dict[str, Any] = {}
        self._runs: list[tuple[str, Any, bool, str]] = []  # (suite, result id, success, label)
        self.page_labels: dict[Path, str] = {}
        """Every page the last :meth:`build_docs` rendered -> the partitions it covers."""
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        self.context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        source = self.context.data_sources.add_pandas("batch")
        self.batch = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
            "whole"
        )

    def validation(self, name: str, expectations: list[ExpectationSpec]):
        """The validation definition ``name`` (built on first use, then reused)."""
        if name in self._definitions:
            return self._definitions[name]
        suite = self.context.suites.add(
            self.gx.ExpectationSuite(name=name, expectations=[e.to_gx() for e in expectations])
        )
        definition = self.gx.ValidationDefinition(name=name, data=self.batch, suite=suite)
        self._definitions[name] = self.context.validation_definitions.add(definition)
        return self._definitions[name]

    def validate(
        self,
        definition: Any,
        frame: pd.DataFrame,
        parameters: Mapping[str, Any],
        run_id: str,
        *,
        docs: bool = False,
        result_format: Mapping[str, Any] | None = None,
        label: str = "",
    ) -> Any:
        """Run ``definition`` on ``frame``; with ``docs`` its result gets a Data Docs page
        at the next :meth:`build_docs`, headed by ``label`` (the partitions it covers)."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run = RunIdentifier(run_name=run_id)  # run_time = now: one page per chunk
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=dict(parameters),
            result_format=dict(result_format or RESULT_FORMAT),
            run_id=run,
        )
        if docs:
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=definition.suite.name),
                run_id=run,
                batch_identifier=result.batch_id,
            )
            self._runs.append((definition.suite.name, key, bool(result.success), label))
        return result

    def build_docs(self) -> dict[str, Path]:
        """Render every remembered validation (and its suite) in one Data Docs build; the
        page of each suite's first failing chunk, else of its last chunk."""
        if not self._runs:
            return {}
        keys = [key for _suite, key, _ok, _label in self._runs]
        suites = {key.expectation_suite_identifier for key in keys}
        self.context.build_data_docs(
            site_names=[DOCS_SITE], resource_identifiers=[*keys, *suites], build_index=True
        )
        shown: dict[str, tuple[Any, bool]] = {}
        self.page_labels = {}
        for suite, key, ok, label in self._runs:
            if suite not in shown or shown[suite][1]:  # keep the first failure
                shown[suite] = (key, ok)
            self.page_labels[self._page(key)] = label
        self._runs.clear()
        return {suite: self._page(key) for suite, (key, _ok) in shown.items()}

    def _page(self, key: Any) -> Path:
        sites = self.context.get_docs_sites_urls(
            resource_identifier=key, site_names=[DOCS_SITE], only_if_exists=True
        )
        url = sites[0]["site_url"] if sites else (self.docs_dir / "index.html").as_uri()
        return Path(unquote(urlparse(url).path))


RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}


def _match(results: list[Any], specs: list[ExpectationSpec]) -> list[tuple[ExpectationSpec, Any]]:
    """Pair GX results (in GX's own order) with the suite's expectations via meta.index."""
    by_index = {s.index: s for s in specs}
    pairs = []
    for r in results:
        index = (r.expectation_config.meta or {}).get("_index")
        pairs.append((by_index[index], r))
    return pairs


def run_suite(
    suite: SuiteSpec,
    chunks: Iterable[Chunk],
    *,
    run_id: str,
    partitions: Sequence[date],
    session: GxSession,
    parameters: Mapping[str, Any] | None = None,
    unavailable: Mapping[str, str] | None = None,
    history_counts: Mapping[date, int] | None = None,
    profile: pd.DataFrame | None = None,
) -> SuiteOutcome:
    """Validate the run's rows (``chunks``, covering ``partitions``) against ``suite``.

    ``session`` is the GX context to run in (shared by a step's suites); call its
    :meth:`GxSession.build_docs` after the step's suites.

    ``parameters`` fill ``$PARAMETER`` kwargs; ``unavailable`` maps a parameter or derived
    column that could not be computed to the reason (its expectations are skipped with that
    note). Volume expectations (``meta.volume_band``) run once per partition (its rows
    selected by ``_business_date``) with bounds from ``history_counts`` (row counts of the
    stored partitions). An expectation with ``meta.min_rows`` is skipped on a chunk with
    fewer rows. Expectations with ``meta.dataset`` = ``partition_profile`` run once on
    ``profile`` (one row per partition, :func:`run_profile`). A chunk that cannot be read is an
    error outcome ("check could not run").
    """
    parameters = dict(parameters or {})
    unavailable = dict(unavailable or {})
    outcome = SuiteOutcome(
        suite=suite.name,
        asset_key=suite.asset_key,
        partitions=tuple(d.isoformat() for d in sorted(partitions)),
        row_count=0,
    )
    tagged = [
        ExpectationSpec(e.index, e.type, e.kwargs, {**e.meta, "_index": e.index})
        for e in suite.expectations
    ]
    main: list[ExpectationSpec] = []
    volume: list[ExpectationSpec] = []
    on_profile = [s for s in tagged if s.meta.get("dataset") == PROFILE_DATASET]
    if on_profile:
        outcome.outcomes.extend(run_profile(session, suite, on_profile, profile, run_id))
    for spec in (s for s in tagged if s.meta.get("dataset") != PROFILE_DATASET):
        missing = [
            unavailable[n]
            for n in (*spec.parameters, spec.kwargs.get("column"), spec.kwargs.get("column_A"))
            if n in unavailable
        ]
        if spec.meta.get("volume_band") is not None:
            volume.append(spec)
        elif missing:
            outcome.outcomes.append(_skipped(suite, spec, missing[0]))
        elif absent := spec.parameters - parameters.keys():
            outcome.outcomes.append(_error(suite, spec, f"no value for parameter(s) {absent}"))
        else:
            main.append(spec)
    per_spec: dict[int, list[ExpectationOutcome]] = {spec.index: [] for spec in main}
    try:
        runner = _MainRunner(session, suite, main, run_id, parameters) if main else None
        for chunk in _guarded(chunks, suite, outcome):
            outcome.row_count = (outcome.row_count or 0) + len(chunk.frame)
            if runner is not None:
                for spec, o in runner.run(chunk):
                    per_spec[spec.index].append(o)
            for spec in volume:
                outcome.outcomes.extend(
                    _run_volume(
                        session, suite, spec, chunk.frame, chunk.partitions, history_counts, run_id
                    )
                )
            del chunk  # released before _guarded frees its memory and reads the next chunk
    except Exception as exc:  # GX could not build or run the suite at all
        outcome.outcomes.append(_error(suite, None, f"{type(exc).__name__}: {exc}"))
        return outcome
    for spec in main:
        if per_spec[spec.index]:
            outcome.outcomes.append(merge_chunks(spec, per_spec[spec.index]))
    return outcome


def _guarded(chunks: Iterable[Chunk], suite: SuiteSpec, outcome: SuiteOutcome) -> Iterator[Chunk]:
    """The chunks, stopping with a "could not run" outcome at the first unreadable one. A
    chunk's memory is released (garbage collected, heap trimmed) before the next is read, so
    memory stays flat over a backfill; callers run this inside ``frozen_heap`` to keep the
    collection cheap."""
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # reading the rows failed: the check could not run
            outcome.outcomes.append(_error(suite, None, f"cannot read the run's rows: {exc}"))
            return
        yield chunk
        del chunk
        release_freed_memory()


class _MainRunner:
    """The suite's non-volume expectations as one GX validation, run once per chunk."""

    def __init__(
        self,
        gx: GxSession,
        suite: SuiteSpec,
        specs: list[ExpectationSpec],
        run_id: str,
        parameters: Mapping[str, Any],
    ) -> None:
        self.gx, self.suite, self.specs, self.run_id = gx, suite, specs, run_id
        self.parameters = dict(parameters)
        self.definition = gx.validation(suite.name, specs)
        self.date_column = suite.date_column or "_business_date"

    def run(self, chunk: Chunk) -> list[tuple[ExpectationSpec, ExpectationOutcome]]:
        """Each expectation's outcome on one chunk (``partition`` = the chunk's range); a
        failure in a chunk of several partitions also says on which of them it fails."""
        result = self.gx.validate(
            self.definition,
            chunk.frame,
            self.parameters,
            self.run_id,
            docs=True,
            label=(
                f"{chunk.label.replace('..', ' .. ')} · suite {self.suite.name} · run {self.run_id}"
            ),
        )
        out = []
        for spec, r in _match(result.results, self.specs):
            min_rows = int(spec.meta.get("min_rows", 0))
            if len(chunk.frame) < min_rows:
                note = f"{len(chunk.frame)} row(s) < min_rows {min_rows}"
                out.append((spec, _skipped(self.suite, spec, note, chunk.label)))
                continue
            o = _outcome(self.suite, spec, r, chunk.label)
            if o.status == "failed":
                o = replace(o, failing_partitions=self._failing_days(spec, chunk))
            out.append((spec, o))
        return out

    def _failing_days(self, spec: ExpectationSpec, chunk: Chunk) -> tuple[str, ...]:
        """The chunk's partitions on which ``spec`` fails alone (re-validated day by day, only
        on this failure path); all of them if none fails alone (a ``mostly`` over the chunk)."""
        days = tuple(d.isoformat() for d in sorted(chunk.partitions))
        if len(days) == 1 or self.date_column not in chunk.frame.columns:
            return days
        definition = self.gx.validation(f"{self.suite.name}.by_day.{spec.index}", [spec])
        dates = pd.to_datetime(chunk.frame[self.date_column]).dt.date
        failing = []
        for day in sorted(chunk.partitions):
            frame = chunk.frame[dates == day]
            (r,) = self.gx.validate(definition, frame, self.parameters, self.run_id).results
            if _outcome(self.suite, spec, r).status != "passed":
                failing.append(day.isoformat())
        return tuple(failing) or days


def merge_chunks(spec: ExpectationSpec, outs: list[ExpectationOutcome]) -> ExpectationOutcome:
    """One outcome of ``spec`` from its per-chunk outcomes.

    One chunk: that outcome (no partition: it covers the run). Several: an error if any chunk
    could not run; skipped if every chunk was; otherwise unexpected counts are summed and
    ``mostly`` is applied to the sums (exactly what one validation of all rows would give
    for a row-wise expectation), while an aggregate expectation (mean, median, uniqueness)
    must hold in every chunk. A failure names the failing chunks' partitions.
    """
    if len(outs) == 1:
        return replace(outs[0], partition=None)
    if errors := [o for o in outs if o.status == "error"]:
        return errors[0]
    ran = [o for o in outs if o.status in ("passed", "failed")]
    if not ran:
        return outs[0]
    failing = [o for o in ran if o.status == "failed"]
    days = tuple(sorted({p for o in failing for p in o.failing_partitions}))
    counted = all(o.unexpected_count is not None and o.element_count is not None for o in ran)
    unexpected = sum(o.unexpected_count or 0 for o in ran) if counted else None
    percent = None
    passed = not failing
    if counted:
        nonmissing = sum(o.element_count - (o.missing_count or 0) for o in ran)  # type: ignore[operator]
        percent = 100.0 * unexpected / nonmissing if nonmissing else 0.0  # type: ignore[operator]
        if "mostly" in spec.kwargs:
            passed = 100.0 - percent >= 100.0 * float(spec.kwargs["mostly"]) - 1e-9
    observed = {o.partition: o.observed_value for o in ran if o.observed_value is not None}
    samples = [v for o in (failing or ran) for v in o.sample_values][:SAMPLE_SIZE]
    return replace(
        ran[0],
        status="passed" if passed else "failed",
        observed_value=observed or None,
        unexpected_count=unexpected,
        unexpected_percent=percent,
        sample_values=tuple(samples),
        partition=None if passed else ", ".join(o.partition or "?" for o in failing or ran),
        note=None if len(ran) == len(outs) else f"{len(outs) - len(ran)} chunk(s) skipped",
        element_count=sum(o.element_count or 0 for o in ran) if counted else None,
        missing_count=sum(o.missing_count or 0 for o in ran) if counted else None,
        failing_partitions=() if passed else days,
    )


PROFILE_DATASET = "partition_profile"
PROFILE_KEY = "business_date"
DETAIL_SUFFIX = "__detail"


def run_profile(
    gx: GxSession,
    suite: SuiteSpec,
    specs: list[ExpectationSpec],
    profile: pd.DataFrame | None,
    run_id: str,
) -> list[ExpectationOutcome]:
    """The suite's expectations on the partition profile (one row per partition), in one
    validation. A failure names its partitions and carries, as its note, the profile's
    ``<column>__detail`` sentence of each failing partition."""
    if profile is None:
        return [_error(suite, s, "the partition profile is not available") for s in specs]
    definition = gx.validation(f"{suite.name}.{PROFILE_DATASET}", specs)
    result_format = {
        **RESULT_FORMAT,
        "partial_unexpected_count": max(len(profile), 1),
        "unexpected_index_column_names": [PROFILE_KEY],
    }
    days = sorted(str(d) for d in profile[PROFILE_KEY])
    span = days[0] if days[0] == days[-1] else f"{days[0]} .. {days[-1]}"
    result = gx.validate(
        definition,
        profile,
        {},
        run_id,
        docs=True,
        result_format=result_format,
        label=f"{span} · suite {suite.name} (partition profile) · run {run_id}",
    )
    details = profile.set_index(PROFILE_KEY)
    out = []
    for spec, r in _match(result.results, specs):
        o = _outcome(suite, spec, r)
        if o.status != "failed":
            out.append(o)
            continue
        indexed = (r.result or {}).get("partial_unexpected_index_list") or []
        failing = [str(i[PROFILE_KEY]) for i in indexed if isinstance(i, Mapping)]
        column = f"{spec.column}{DETAIL_SUFFIX}"
        notes = [str(details.at[d, column]) for d in failing if column in details.columns]
        out.append(
            replace(
                o,
                partition=", ".join(failing) or None,
                note="; ".join(notes)[:2000] or None,
            )
        )
    return out


def _run_volume(
    gx: GxSession,
    suite: SuiteSpec,
    spec: ExpectationSpec,
    frame: pd.DataFrame,
    partitions: Sequence[date],
    history_counts: Mapping[date, int] | None,
    run_id: str,
) -> list[ExpectationOutcome]:
    """The row-count band check, once per partition of the run (bounds from history)."""
    if history_counts is None:
        return [_error(suite, spec, "volume check needs the row counts of prior partitions")]
    if "_business_date" not in frame.columns:
        return [_error(suite, spec, "volume check needs the _business_date column")]
    band = VolumeBand.from_meta(spec.meta["volume_band"])
    definition = gx.validation(f"{suite.name}.volume.{spec.index}", [spec])
    out = []
    days = frame["_business_date"]  # the row count needs this column only: no copy of rows
    for day in sorted(partitions):
        bounds = band.bounds(dict(history_counts), day)
        if isinstance(bounds, str):
            out.append(_skipped(suite, spec, bounds, day.isoformat()))
            continue
        low, high, median = bounds
        rows = days[days == day].to_frame()
        result = gx.validate(definition, rows, {"volume_min": low, "volume_max": high}, run_id)
        (only,) = result.results
        o = _outcome(suite, spec, only, day.isoformat())
        note = f"expected {low}..{high} rows (trailing median {median:g} x {band.low}..{band.high})"
        out.append(ExpectationOutcome(**{**o.__dict__, "note": o.note or note}))
    return out
