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
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
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


TEMP_GLOBS = (".*.tmp", ".*.staged")
"""Names of files being written (atomic writes, journal-staged files): never data."""


def remove_leftovers(root: Path, globs: tuple[str, ...] = TEMP_GLOBS) -> list[Path]:
    """Delete the half-written files a killed process left under ``root`` (call only while no
    writer runs, i.e. under the run lock, after journal recovery); returns what was deleted."""
    removed = []
    if root.is_dir():
        for pattern in globs:
            for path in root.rglob(pattern):
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return sorted(removed)
