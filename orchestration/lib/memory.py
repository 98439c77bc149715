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
    """Collect garbage and give the allocators' free pages back to the operating system.

    The collection matters: GX keeps each validated frame in reference cycles, which only a
    full collection frees. Inside :func:`frozen_heap` it scans only the objects created since,
    so it is cheap enough to run after every chunk. On Arrow's system allocator (this
    package's default) ``release_unused`` is glibc's ``malloc_trim``, which also returns the
    pages pandas and numpy freed; with another Arrow allocator glibc's heap is trimmed too.
    Freed buffers otherwise stay in the heaps of the threads that allocated them: a year of
    telephony checks grew by ~50 MB per chunk to 2 GB (benchmarks/README.md)."""
    gc.collect()
    pool = pa.default_memory_pool()
    pool.release_unused()
    if pool.backend_name != "system":
        _trim_glibc_heap()


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


def _trim_glibc_heap() -> None:
    """``malloc_trim(0)`` (a no-op where it does not exist, e.g. musl or macOS)."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)
