"""Per-file text-encoding detection: UTF-8 BOM, then strict UTF-8, then GB18030.

GB18030 is never tried first: almost any UTF-8 byte sequence also decodes as GB18030 (into
the wrong characters), so only bytes that are *not* valid UTF-8 may be read as GB18030.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

UTF8_SIG = "utf-8-sig"
UTF8 = "utf-8"
GB18030 = "gb18030"


class UndecodableError(ValueError):
    """The bytes are neither UTF-8 nor GB18030."""


@dataclass(frozen=True)
class Decoded:
    """Text of a file and the encoding it was read with."""

    text: str
    encoding: str


def decode_bytes(data: bytes, name: str = "<bytes>") -> Decoded:
    """Decode ``data``: BOM => ``utf-8-sig``; valid UTF-8 => ``utf-8``; else ``gb18030``.

    Raises :class:`UndecodableError` naming ``name``, the byte offset and the bytes found when
    neither UTF-8 nor GB18030 can decode the data.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data.decode(UTF8_SIG), UTF8_SIG)
        except UnicodeDecodeError as exc:
            raise UndecodableError(_message(name, "UTF-8 (BOM present)", exc)) from exc
    try:
        return Decoded(data.decode(UTF8), UTF8)
    except UnicodeDecodeError as utf8_exc:
        try:
            return Decoded(data.decode(GB18030), GB18030)
        except UnicodeDecodeError as gb_exc:
            raise UndecodableError(
                f"{_message(name, 'UTF-8', utf8_exc)}; {_message(name, 'GB18030', gb_exc)}"
            ) from gb_exc


def decode_file(path: Path) -> Decoded:
    """Read and decode one file (see :func:`decode_bytes`)."""
    return decode_bytes(path.read_bytes(), str(path))


def _message(name: str, encoding: str, exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start : exc.end].hex(" ")
    return f"{name}: not valid {encoding} at byte {exc.start} (bytes {bad})"
