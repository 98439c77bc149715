"""``generate``: simulate the contact centre and write every source's daily deliveries."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from orchestration.contract import SOURCES, entities
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


def generate(
    out: Path,
    start: date,
    days: int,
    agents: int = 300,
    seed: int = 42,
    defects: bool = False,
    sidecar: Path | None = None,
) -> GenerationReport:
    """Write ``<out>/<source>/<YYYY-MM-DD>/<entity>.csv`` + ``_manifest.json`` (last) for all
    four sources and ``days`` business dates from ``start``.

    With ``defects`` some deliveries carry realistic faults, each listed in the ``sidecar``
    JSON (default ``<out>/../defects.json``); the first sending of a re-sent delivery goes to
    ``<sidecar dir>/resent_originals/<source>/<date>/``. Same arguments => identical bytes.
    """
    if days < 1 or agents < 1:
        raise ValueError(f"days and agents must be positive (got days={days}, agents={agents})")
    began = time.perf_counter()
    out = Path(out)
    sidecar = Path(sidecar) if sidecar else out.parent / "defects.json"
    injector = Injector(start, days, seed) if defects else None
    world = World(start, days, agents, seed)
    rows: Counter[str] = Counter()
    n_files = n_bytes = deliveries = 0
    for d, frames in world.days_iter():
        render_rng = np.random.default_rng([seed, 6, d.toordinal()])
        for source in SOURCES:
            files = {
                e.name: FileOut(e.name, to_text(e, frames[(source, e.name)], render_rng))
                for e in entities(source)
            }
            folder = out / source / d.isoformat()
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
            n_bytes += write_delivery(
                folder, source, d, list(files.values()), stamp, manifest=write_manifest
            )
            n_files += len(files) + int(write_manifest)
            deliveries += 1
            for name, f in files.items():
                rows[f"{source}.{name}"] += f.rows
    skipped: tuple[str, ...] = ()
    n_defects = 0
    if injector is not None:
        injector.check_complete()
        sidecar.parent.mkdir(parents=True, exist_ok=True)
        sidecar.write_text(
            json.dumps(injector.records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        skipped, n_defects = tuple(injector.skipped), len(injector.records)
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
        rows=dict(rows),
        sidecar=sidecar if defects else None,
        defects=n_defects,
        defects_skipped=skipped,
    )
