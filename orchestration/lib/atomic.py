"""Atomic Parquet writes: temporary file in the target folder, fsync, ``os.replace``.

A reader (dbt, DuckDB, GX) sees either the old file or the new one, never half of one. The
temporary name does not end in ``.parquet`` so globs like ``*.parquet`` never pick it up.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_OPTIONS: dict[str, object] = {"compression": "zstd", "write_statistics": True}
"""Fixed writer options: the same table always yields the same file content."""


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to ``path`` atomically (creating parent folders); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, **PARQUET_OPTIONS)  # type: ignore[arg-type]
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
