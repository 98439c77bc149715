"""Split decoded CSV text into RFC 4180 records, keeping exact physical line numbers.

The C ``csv`` reader does the splitting (a quoted field may contain commas, doubled quotes and
line breaks); this module only tracks where each record starts and ends and keeps the records
the reader refuses (e.g. ``"abc"def`` or an unterminated quote) as malformed instead of
stopping. Completely blank lines are not records (they are neither counted nor loaded).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

MAX_FIELD_CHARS = 1_048_576
"""The longest field a record may have (1 Mi characters; Python's csv stops at 131,072 by
default). No contract column holds anything near it (free-text comments are sentences); a
longer field is a broken export, quarantined as ``field_too_long``."""


@dataclass(frozen=True)
class MalformedRecord:
    """A record the RFC 4180 reader refused: physical lines ``first..last`` (1-based)."""

    first_line: int
    last_line: int
    error: str

    @property
    def reason(self) -> str:
        """The quarantine reason: ``field_too_long`` or ``malformed_csv``."""
        return (
            "field_too_long" if "field larger than field limit" in self.error else "malformed_csv"
        )


@dataclass
class CsvRecords:
    """Header, well-formed records and malformed records of one file."""

    header: list[str] | None
    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)
    """Physical line on which each record of ``rows`` starts (header = line 1)."""
    row_last_lines: list[int] = field(default_factory=list)
    malformed: list[MalformedRecord] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    """The physical lines (with their line ends), to quote a record verbatim."""
    header_error: str | None = None

    @property
    def data_rows(self) -> int:
        """Number of data records (header excluded), well-formed or not."""
        return len(self.rows) + len(self.malformed)

    def raw_text(self, first_line: int, last_line: int) -> str:
        """The physical lines ``first..last`` verbatim, without the final line end."""
        text = "".join(self.lines[first_line - 1 : last_line])
        return text.removesuffix("\n").removesuffix("\r")


def split_records(text: str) -> CsvRecords:
    """Split ``text`` (one decoded CSV file) into header and records (RFC 4180, strict)."""
    lines = io.StringIO(text, newline="").readlines()
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(lines, strict=True)
    out = CsvRecords(header=None, lines=lines)
    previous_end = 0
    rows, starts, ends, malformed = out.rows, out.row_lines, out.row_last_lines, out.malformed
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            if out.header is None:
                out.header_error = f"line {previous_end + 1}: {exc}"
                out.header = []
            else:
                malformed.append(MalformedRecord(previous_end + 1, end, str(exc)))
            previous_end = end
            continue
        end = reader.line_num
        if row:
            if out.header is None:
                out.header = row
            else:
                rows.append(row)
                starts.append(previous_end + 1)
                ends.append(end)
        previous_end = end
    return out
