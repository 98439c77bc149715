"""Replace a group of files as a unit, crash-safely (a small write-ahead journal).

A delivery is several Parquet files (one raw and one quarantine file per entity, and its
load-audit file); a reader must find all of the old delivery or all of the new one. Writing
them one by one and dying half-way mixed the two. A :class:`FileGroup` therefore

1. records its plan in ``<journal_dir>/<name>.json`` (state ``staging``);
2. writes every new file beside its target under a hidden name (``.<name>.<token>.staged``,
   never matched by ``*.parquet`` or ``data.parquet``), fsynced;
3. commits: rewrites the journal atomically as ``committed`` (the one switch), renames each
   staged file over its target, then deletes the journal.

:func:`recover` runs before anything reads the files (at the start of every run, under the
run lock): a ``staging`` journal is rolled back (staged files deleted: the old files never
changed), a ``committed`` one rolled forward (the remaining renames). Either way the group is
whole again, and each recovered group is reported with its ``meta``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.atomic import PARQUET_OPTIONS, fsync_dir, fsync_file

STAGING, COMMITTED = "staging", "committed"


@dataclass(frozen=True)
class Recovered:
    """A group found unfinished: rolled ``back`` or ``forward``."""

    name: str
    action: str
    meta: dict[str, Any]


class FileGroup:
    """Files written as one unit; see the module docstring. Use :meth:`stage` for each file,
    then :meth:`commit` once. A group that is never committed leaves its targets untouched."""

    def __init__(
        self,
        journal_dir: Path,
        name: str,
        targets: list[Path],
        meta: dict[str, Any],
        pause: Callable[[str], None] = lambda point: None,
    ) -> None:
        self.token = uuid.uuid4().hex[:12]
        self.journal = journal_dir / f"{name}.json"
        self.meta = meta
        self.pause = pause
        self.files = {t: t.with_name(f".{t.name}.{self.token}.staged") for t in targets}
        self._write_journal(STAGING)

    def stage(self, table: pa.Table, target: Path) -> Path:
        """Write ``table`` as the new content of ``target`` (not visible until commit)."""
        staged = self.files[target]
        staged.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, staged, **PARQUET_OPTIONS)  # type: ignore[arg-type]
        fsync_file(staged)
        return target

    def commit(self) -> None:
        """The switch: every staged file replaces its target; the journal goes last."""
        missing = [str(s) for s in self.files.values() if not s.exists()]
        if missing:
            raise RuntimeError(f"commit of {self.journal.name} before staging {missing}")
        self.pause("journal.staged")
        self._write_journal(COMMITTED)
        _roll_forward(self.files, self.pause)
        self.journal.unlink()

    def _write_journal(self, state: str) -> None:
        doc = {
            "state": state,
            "files": [[str(s), str(t)] for t, s in self.files.items()],
            "meta": self.meta,
        }
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.journal.with_name(f".{self.journal.name}.tmp")
        tmp.write_text(json.dumps(doc, default=str), encoding="utf-8")
        fsync_file(tmp)
        os.replace(tmp, self.journal)
        fsync_dir(self.journal.parent)


def _roll_forward(files: dict[Path, Path], pause: Callable[[str], None]) -> None:
    folders = set()
    for i, (target, staged) in enumerate(files.items()):
        if i == len(files) // 2:
            pause("journal.renamed_half")
        if staged.exists():
            os.replace(staged, target)
            folders.add(target.parent)
    for folder in folders:
        fsync_dir(folder)


def recover(journal_dir: Path) -> list[Recovered]:
    """Finish or undo every group a killed process left (see the module docstring)."""
    out: list[Recovered] = []
    if not journal_dir.is_dir():
        return out
    for leftover in journal_dir.glob(".*.tmp"):  # a journal rewrite that never finished
        leftover.unlink(missing_ok=True)
    for journal in sorted(journal_dir.glob("*.json")):
        doc = json.loads(journal.read_text(encoding="utf-8"))
        files = {Path(t): Path(s) for s, t in doc["files"]}
        if doc["state"] == COMMITTED:
            _roll_forward(files, lambda point: None)
            action = "forward"
        else:
            for staged in files.values():
                staged.unlink(missing_ok=True)
            action = "back"
        journal.unlink()
        out.append(Recovered(journal.stem, action, doc.get("meta") or {}))
    return out
