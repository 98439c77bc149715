"""One run at a time per warehouse home: an OS file lock held for the whole run.

``$CSQ_HOME/run.lock`` is locked with ``flock`` (released by the kernel when the process
dies, however it dies, so a killed run never leaves a stale lock). The holder writes who it is
into the file (run id, start time, pid, host) for the message a second run shows. The lock is
re-entrant within a process: ``csq run`` takes it before it starts Dagster, and the run's
resource then finds it already held here.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "run.lock"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse (the message names its run, start and pid)."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock."""

    run_id: str
    started_at: str
    pid: int
    host: str

    def describe(self) -> str:
        return (
            f"another run ({self.run_id}, started at {self.started_at}, pid {self.pid} on "
            f"{self.host}) holds the warehouse"
        )


_held: dict[Path, tuple[int, int]] = {}
"""Locks this process holds: path -> (file descriptor, depth)."""


def lock_path(home: Path) -> Path:
    return home / LOCK_NAME


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in the lock file (None if none was written yet)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(**doc) if isinstance(doc, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def is_held_here(home: Path) -> bool:
    """Whether this process holds the lock of ``home``."""
    return lock_path(home).resolve() in _held


@contextmanager
def warehouse_lock(home: Path, run_id: str, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold the lock of ``home`` for the block; yields whether this call acquired it (False:
    this process already held it). Raises :class:`WarehouseBusy` if another process holds it
    longer than ``wait_s`` seconds."""
    path = lock_path(home).resolve()
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield False
        finally:
            fd, depth = _held[path]
            _held[path] = (fd, depth - 1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, wait_s)
        holder = Holder(
            run_id=run_id,
            started_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder.__dict__).encode("utf-8"), 0)
        _held[path] = (fd, 1)
        try:
            yield True
        finally:
            del _held[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            holder = read_holder(path)
            what = holder.describe() if holder else "another run holds the warehouse"
            raise WarehouseBusy(f"{what} ({path}); wait for it to finish, or retry with --wait")
        time.sleep(0.5)
