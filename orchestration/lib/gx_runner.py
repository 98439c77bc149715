"""Run one expectation suite on a pandas batch in an ephemeral GX context.

Outcomes are plain dataclasses (no GX objects leak out). A GX problem - an exception inside
an expectation (``exception_info.raised_exception``, e.g. a missing column) or a failure to
build or run the suite at all - is an outcome with status ``error`` ("check could not run"),
never a pass and never a data failure.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from orchestration.lib.gx_runtime import VolumeBand
from orchestration.lib.gx_suites import ExpectationSpec, SuiteSpec

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

    def describe(self) -> str:
        """One line naming the expectation, what was observed and sample bad values."""
        where = f" [partition {self.partition}]" if self.partition else ""
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
    )


class _Gx:
    """A fresh ephemeral GX context with one pandas dataframe asset (and Data Docs site)."""

    def __init__(self, docs_dir: Path | None) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        if docs_dir is not None:
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
        suite = self.context.suites.add(
            self.gx.ExpectationSuite(name=name, expectations=[e.to_gx() for e in expectations])
        )
        definition = self.gx.ValidationDefinition(name=name, data=self.batch, suite=suite)
        return self.context.validation_definitions.add(definition)


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
    frame: pd.DataFrame,
    *,
    run_id: str,
    partitions: Sequence[date],
    docs_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    unavailable: Mapping[str, str] | None = None,
    history_counts: Mapping[date, int] | None = None,
) -> SuiteOutcome:
    """Validate ``frame`` (the run's rows) against ``suite``.

    ``parameters`` fill ``$PARAMETER`` kwargs; ``unavailable`` maps a parameter or derived
    column that could not be computed to the reason (its expectations are skipped with that
    note). Volume expectations (``meta.volume_band``) run once per partition of the run (its
    rows selected by ``_business_date``) with bounds from ``history_counts`` (row counts of
    the stored partitions).
    """
    parameters = dict(parameters or {})
    unavailable = dict(unavailable or {})
    outcome = SuiteOutcome(
        suite=suite.name,
        asset_key=suite.asset_key,
        partitions=tuple(d.isoformat() for d in sorted(partitions)),
        row_count=len(frame),
    )
    tagged = [
        ExpectationSpec(e.index, e.type, e.kwargs, {**e.meta, "_index": e.index})
        for e in suite.expectations
    ]
    main: list[ExpectationSpec] = []
    volume: list[ExpectationSpec] = []
    for spec in tagged:
        missing = [
            unavailable[n]
            for n in (*spec.parameters, spec.kwargs.get("column"), spec.kwargs.get("column_A"))
            if n in unavailable
        ]
        if spec.meta.get("volume_band") is not None:
            volume.append(spec)
        elif missing:
            outcome.outcomes.append(_skipped(suite, spec, missing[0]))
        elif len(frame) < int(spec.meta.get("min_rows", 0)):
            note = f"{len(frame)} row(s) < min_rows {spec.meta['min_rows']}"
            outcome.outcomes.append(_skipped(suite, spec, note))
        elif absent := spec.parameters - parameters.keys():
            outcome.outcomes.append(_error(suite, spec, f"no value for parameter(s) {absent}"))
        else:
            main.append(spec)
    try:
        gx = _Gx(docs_dir)
        if main:
            outcome.outcomes.extend(_run_main(gx, suite, main, frame, run_id, parameters, outcome))
        for spec in volume:
            outcome.outcomes.extend(_run_volume(gx, suite, spec, frame, partitions, history_counts))
    except Exception as exc:  # GX could not build or run the suite at all
        outcome.outcomes.append(_error(suite, None, f"{type(exc).__name__}: {exc}"))
    return outcome


def _run_main(
    gx: _Gx,
    suite: SuiteSpec,
    specs: list[ExpectationSpec],
    frame: pd.DataFrame,
    run_id: str,
    parameters: Mapping[str, Any],
    outcome: SuiteOutcome,
) -> list[ExpectationOutcome]:
    definition = gx.validation(suite.name, specs)
    if gx.docs_dir is None:
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=dict(parameters),
            result_format=RESULT_FORMAT,
        )
    else:
        from great_expectations.checkpoint import UpdateDataDocsAction
        from great_expectations.core.run_identifier import RunIdentifier

        checkpoint = gx.context.checkpoints.add(
            gx.gx.Checkpoint(
                name=f"{suite.name}.checkpoint",
                validation_definitions=[definition],
                actions=[UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])],
                result_format=RESULT_FORMAT,
            )
        )
        checkpoint_result = checkpoint.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=dict(parameters),
            run_id=RunIdentifier(run_name=run_id),
        )
        (_key, result), *_ = checkpoint_result.run_results.items()
        outcome.data_docs = _docs_page(gx.docs_dir, suite.name, run_id)
    return [_outcome(suite, spec, r) for spec, r in _match(result.results, specs)]


def _docs_page(docs_dir: Path, suite_name: str, run_id: str) -> Path | None:
    """The newest validation page of this suite and run (falls back to the site index)."""
    folder = docs_dir.joinpath("validations", *suite_name.split("."), run_id)
    pages = sorted(folder.rglob("*.html"), key=lambda p: p.stat().st_mtime)
    if pages:
        return pages[-1]
    index = docs_dir / "index.html"
    return index if index.exists() else None


def _run_volume(
    gx: _Gx,
    suite: SuiteSpec,
    spec: ExpectationSpec,
    frame: pd.DataFrame,
    partitions: Sequence[date],
    history_counts: Mapping[date, int] | None,
) -> list[ExpectationOutcome]:
    """The row-count band check, once per partition of the run (bounds from history)."""
    if history_counts is None:
        return [_error(suite, spec, "volume check needs the row counts of prior partitions")]
    if "_business_date" not in frame.columns:
        return [_error(suite, spec, "volume check needs the _business_date column")]
    band = VolumeBand.from_meta(spec.meta["volume_band"])
    definition = gx.validation(f"{suite.name}.volume.{spec.index}", [spec])
    out = []
    for day in sorted(partitions):
        bounds = band.bounds(dict(history_counts), day)
        if isinstance(bounds, str):
            out.append(_skipped(suite, spec, bounds, day.isoformat()))
            continue
        low, high, median = bounds
        rows = frame[frame["_business_date"] == day]
        result = definition.run(
            batch_parameters={"dataframe": rows},
            expectation_parameters={"volume_min": low, "volume_max": high},
            result_format=RESULT_FORMAT,
        )
        (only,) = result.results
        o = _outcome(suite, spec, only, day.isoformat())
        note = f"expected {low}..{high} rows (trailing median {median:g} x {band.low}..{band.high})"
        out.append(ExpectationOutcome(**{**o.__dict__, "note": o.note or note}))
    return out
