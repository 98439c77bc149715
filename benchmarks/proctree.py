"""Run one child process and measure it as a whole process tree: wall time, CPU time
(user + sys of the child and every descendant it waited for) and peak resident memory
(the sum of ``VmRSS`` over the child and its live descendants, sampled every 0.2 s)."""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2
PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessCost:
    """What one measured child process cost."""

    command: list[str]
    returncode: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    peak_rss_mb: float
    samples: int
    log: str
    timeline: list[tuple[float, int]] = field(default_factory=list, repr=False)
    """``(epoch seconds, tree RSS in kB)`` of every sample, to attribute the peak to steps."""

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s


def _parent_map() -> dict[int, int]:
    """``pid -> ppid`` of every process visible in ``/proc``."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    """``root`` and every live process below it."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parent_map().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def rss_kb(pid: int) -> int:
    """Resident set size of one process in kB (0 if it is gone or a zombie)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Summed resident memory of ``root`` and its descendants, in kB."""
    return sum(rss_kb(pid) for pid in descendants(root))


class _PeakSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_kb = 0
        self.samples = 0
        self.timeline: list[tuple[float, int]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            kb = tree_rss_kb(self.root)
            self.timeline.append((time.time(), kb))
            self.peak_kb = max(self.peak_kb, kb)
            self.samples += 1
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(command: list[str], env: dict[str, str], cwd: Path, log_file: Path) -> ProcessCost:
    """Run ``command`` to completion (output to ``log_file``) and return its cost."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with log_file.open("w", encoding="utf-8") as log:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        sampler = _PeakSampler(child.pid)
        sampler.start()
        returncode = child.wait()
        wall = time.perf_counter() - began
        sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ProcessCost(
        command=command,
        returncode=returncode,
        wall_s=round(wall, 3),
        cpu_user_s=round(after.ru_utime - before.ru_utime, 3),
        cpu_sys_s=round(after.ru_stime - before.ru_stime, 3),
        peak_rss_mb=round(sampler.peak_kb / 1024, 1),
        samples=sampler.samples,
        log=str(log_file),
        timeline=sampler.timeline,
    )


def peak_in_windows(
    timeline: list[tuple[float, int]], windows: dict[str, list[tuple[float, float]]]
) -> dict[str, float]:
    """Peak tree RSS (MB) sampled inside each named set of ``(start, end)`` windows, and
    ``outside`` for samples in none of them (process start-up, run set-up, teardown)."""
    peaks: dict[str, int] = {}
    for at, kb in timeline:
        names = [n for n, spans in windows.items() if any(a <= at <= b for a, b in spans)]
        for name in names or ["outside"]:
            peaks[name] = max(peaks.get(name, 0), kb)
    return {name: round(kb / 1024, 1) for name, kb in sorted(peaks.items())}


def tail(path: Path | str, lines: int = 40) -> str:
    """The last ``lines`` lines of a log (for error messages)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0))
