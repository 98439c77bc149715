"""``generate``: simulate the contact centre and write every source's daily deliveries."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.contract import ENTITIES, SOURCES, entities
from synthetic.defects import Injector
from synthetic.render import FileOut, generated_at, to_text, write_delivery
from synthetic.world import World


@dataclass(frozen=True)
class GenerationReport:
    """What a :func:`generate` call wrote."""

    out: Path
    start: date
    days: int
    agents: int
    seed: int
    deliveries: int
    files: int
    bytes_written: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    """Data rows written per ``source.entity`` (landing folder only)."""
    sidecar: Path | None = None
    defects: int = 0
    defects_skipped: tuple[str, ...] = ()

    def summary(self) -> str:
        end = self.start + timedelta(days=self.days - 1)
        text = (
            f"{self.deliveries} deliveries ({self.files} files, {self.bytes_written / 1e6:.1f} MB) "
            f"{self.start}..{end}, {self.agents} agents, seed {self.seed}, "
            f"in {self.seconds:.1f} s -> {self.out}"
        )
        if self.sidecar:
            text += f"; {self.defects} defects listed in {self.sidecar}"
        return text


PARALLEL_MIN_DAYS = 8
"""Runs of at least this many days render and write in a second process (if there are 2+ CPUs)."""
MAX_DAYS_IN_FLIGHT = 2
"""Simulated days queued for the writer process at most (bounds memory)."""


class _Writer:
    """Renders a day's frames, injects the planned faults and writes the four deliveries."""

    def __init__(
        self, out: Path, start: date, days: int, seed: int, defects: bool, sidecar: Path
    ) -> None:
        self.out, self.seed, self.sidecar = out, seed, sidecar
        self.injector = Injector(start, days, seed) if defects else None
        self.rows: Counter[str] = Counter()
        self.files = self.bytes = self.deliveries = 0

    def day(self, d: date, frames: dict[tuple[str, str], pd.DataFrame]) -> None:
        render_rng = np.random.default_rng([self.seed, 6, d.toordinal()])
        injector, sidecar = self.injector, self.sidecar
        for source in SOURCES:
            files = {
                e.name: FileOut(e.name, to_text(e, frames[(source, e.name)], render_rng))
                for e in entities(source)
            }
            folder = self.out / source / d.isoformat()
            stamp = generated_at(d)
            write_manifest = True
            if injector is not None:
                injector.apply_rows(source, d, files)
                kind = injector.delivery_defect(source, d)
                if kind == "resend":
                    original = injector.truncated_original(files, "calls")
                    first = sidecar.parent / "resent_originals" / source / d.isoformat()
                    write_delivery(first, source, d, list(original.values()), stamp)
                    stamp = generated_at(d, resend=1)
                    injector.record_delivery(
                        "resend",
                        source,
                        d,
                        "replaced_by_resend",
                        original=str(first),
                        original_generated_at=generated_at(d),
                        generated_at=stamp,
                    )
                elif kind == "row_count_mismatch":
                    injector.row_count_mismatch(source, d, files)
                elif kind == "missing_column":
                    injector.missing_column(source, d, files)
                elif kind == "incomplete":
                    write_manifest = False
                    injector.record_delivery("incomplete", source, d, "ignored_incomplete")
            self.bytes += write_delivery(
                folder, source, d, list(files.values()), stamp, manifest=write_manifest
            )
            self.files += len(files) + int(write_manifest)
            self.deliveries += 1
            for name, f in files.items():
                self.rows[f"{source}.{name}"] += f.rows

    def finish(self) -> tuple[int, int, int, dict[str, int], tuple[str, ...], int]:
        """Writes the sidecar (with defects); returns files, bytes, deliveries, rows, skipped
        defect classes and the number of defect records."""
        skipped: tuple[str, ...] = ()
        n_defects = 0
        if self.injector is not None:
            self.injector.check_complete()
            self.sidecar.parent.mkdir(parents=True, exist_ok=True)
            self.sidecar.write_text(
                json.dumps(self.injector.records, indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            skipped, n_defects = tuple(self.injector.skipped), len(self.injector.records)
        return self.files, self.bytes, self.deliveries, dict(self.rows), skipped, n_defects


_worker: _Writer | None = None
"""The writer of a writer process (set by :func:`_start_worker`)."""


def _start_worker(*args: object) -> None:
    global _worker
    _worker = _Writer(*args)  # type: ignore[arg-type]


def _worker_day(d: date, frames: dict[tuple[str, str], pd.DataFrame]) -> None:
    assert _worker is not None
    _worker.day(d, frames)


def _worker_finish() -> tuple[int, int, int, dict[str, int], tuple[str, ...], int]:
    assert _worker is not None
    return _worker.finish()


def _contract_columns(
    frames: dict[tuple[str, str], pd.DataFrame],
) -> dict[tuple[str, str], pd.DataFrame]:
    """Only the delivered columns (less to send to the writer process)."""
    return {(e.source, e.name): frames[(e.source, e.name)][e.column_names] for e in ENTITIES}


def generate(
    out: Path,
    start: date,
    days: int,
    agents: int = 300,
    seed: int = 42,
    defects: bool = False,
    sidecar: Path | None = None,
    parallel: bool | None = None,
) -> GenerationReport:
    """Write ``<out>/<source>/<YYYY-MM-DD>/<entity>.csv`` + ``_manifest.json`` (last) for all
    four sources and ``days`` business dates from ``start``.

    With ``defects`` some deliveries carry realistic faults, each listed in the ``sidecar``
    JSON (default ``<out>/../defects.json``); the first sending of a re-sent delivery goes to
    ``<sidecar dir>/resent_originals/<source>/<date>/``. Same arguments => identical bytes.
    ``parallel`` renders and writes in a second process while the next day is simulated
    (default: for runs of ``PARALLEL_MIN_DAYS`` days or more on 2+ CPUs); the output is the
    same either way.
    """
    if days < 1 or agents < 1:
        raise ValueError(f"days and agents must be positive (got days={days}, agents={agents})")
    began = time.perf_counter()
    out = Path(out)
    sidecar = Path(sidecar) if sidecar else out.parent / "defects.json"
    if parallel is None:
        parallel = days >= PARALLEL_MIN_DAYS and (os.cpu_count() or 1) > 1
    args = (out, start, days, seed, defects, sidecar)
    if defects:
        Injector(start, days, seed)  # validate the arguments before simulating
    world = World(start, days, agents, seed)
    if parallel:
        # fork: the writer inherits the imports and needs no ``__main__`` guard in the caller
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(1, context, initializer=_start_worker, initargs=args) as pool:
            pending: deque[Future[None]] = deque()
            for d, frames in world.days_iter():
                pending.append(pool.submit(_worker_day, d, _contract_columns(frames)))
                while len(pending) > MAX_DAYS_IN_FLIGHT:
                    pending.popleft().result()
            for job in pending:
                job.result()
            summary = pool.submit(_worker_finish).result()
    else:
        writer = _Writer(*args)
        for d, frames in world.days_iter():
            writer.day(d, frames)
        summary = writer.finish()
    n_files, n_bytes, deliveries, rows, skipped, n_defects = summary
    return GenerationReport(
        out=out,
        start=start,
        days=days,
        agents=agents,
        seed=seed,
        deliveries=deliveries,
        files=n_files,
        bytes_written=n_bytes,
        seconds=round(time.perf_counter() - began, 2),
        rows=rows,
        sidecar=sidecar if defects else None,
        defects=n_defects,
        defects_skipped=skipped,
    )
