"""Give memory a finished step or chunk freed back to the operating system.

The pipeline runs its steps in one process (Dagster's in-process executor). Freed pandas and
Arrow buffers otherwise stay in the allocators' pools, so the process keeps the high-water
mark of its largest step while dbt (a child process) runs beside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import pyarrow as pa


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Collect garbage, return Arrow's unused pool memory and trim glibc's heap (a no-op
    where ``malloc_trim`` does not exist, e.g. musl or macOS).

    The collection matters: GX keeps each validated frame in reference cycles, which only a
    full collection frees. Inside :func:`frozen_heap` it scans only the objects created since,
    so it is cheap enough to run after every chunk."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim_heap()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Within the block, garbage collections skip every object alive when it began.

    A full collection in the pipeline process scans Dagster's, dbt's and GX's ~350,000
    long-lived objects (~0.3 s). Frozen (``gc.freeze``), 20 collections after the 20 chunks of
    a year's ``fct_call_segments`` took 0.09 s in all, and the process stayed at 450 MB
    instead of climbing by a chunk's ~100 MB until Python's own collector ran (up to 1.2 GB;
    benchmarks/README.md). Objects alive before the block are collected after it."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def trim_heap() -> None:
    """Return glibc's free heap pages to the OS (~30 ms; no garbage collection).

    Freed pandas/Arrow buffers otherwise stay in the heaps of the threads that allocated them:
    validating a year of telephony rows grew the process by ~50 MB per chunk to 2 GB, while
    trimming after each chunk kept it at 0.7-1.1 GB (benchmarks/README.md)."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)
