"""The read floor: a bare columnar read of the landing CSV files a backfill loads.

Every ``<source>/<date>/<entity>.csv`` of the dates is read with ``pyarrow.csv`` (one thread,
every column as text, RFC 4180 quoting with line breaks in fields, the file's encoding
detected as the loader does: BOM, strict UTF-8, else GB18030): what any reader of these bytes
must pay, with no rules, checksums, line numbers, Parquet or Dagster. Raw ingestion is
compared with it (issue 18: at most 2x). Run as
``python -m benchmarks.read_floor <landing> <first date> <last date> <result json>``.
"""

from __future__ import annotations

import codecs
import csv
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


def arrow_encoding(data: bytes) -> str:
    """The encoding the loader would detect, as Arrow names it."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_files(landing: Path, first: date, last: date) -> dict[str, float | int]:
    """Read every delivered CSV of ``first..last``; seconds, files, data rows and bytes."""
    files = sorted(
        path
        for offset in range((last - first).days + 1)
        for path in landing.glob(f"*/{(first + timedelta(days=offset)).isoformat()}/*.csv")
    )
    rows = size = 0
    began = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        size += len(data)
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(encoding=arrow_encoding(data), use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_text(data), strings_can_be_null=False
            ),
        )
        rows += table.num_rows
    return {
        "read_s": round(time.perf_counter() - began, 3),
        "files": len(files),
        "rows": rows,
        "bytes": size,
    }


def _all_text(data: bytes) -> dict[str, pa.DataType]:
    """Every header column as text (Arrow would otherwise infer numbers and dates)."""
    first_line = data.split(b"\n", 1)[0].decode(arrow_encoding(data)).rstrip("\r")
    return {name: pa.string() for name in next(csv.reader([first_line]))}


def main(argv: list[str]) -> int:
    landing, first, last, out = argv
    result = read_files(Path(landing), date.fromisoformat(first), date.fromisoformat(last))
    Path(out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
