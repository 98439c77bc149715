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


def _cjk_or_punctuation(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF


def looks_like_utf8_in_gb18030(text: str) -> bool:
    """Whether ``text``, read from a GB18030 file, is really UTF-8 read the wrong way (mojibake):
    its GB18030 bytes are valid UTF-8 with non-ASCII characters, and every one of those is a
    common CJK ideograph or CJK punctuation. Genuine GB18030 text almost never passes both (one
    in 300,000 random one-to-three-character strings of GB2312 did; none of 200,000 longer
    ones), while Chinese text written as UTF-8 and read as GB18030 does."""
    if text.isascii():
        return False
    try:
        data = text.encode(GB18030)
        as_utf8 = data.decode(UTF8)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return all(_cjk_or_punctuation(c) for c in as_utf8 if not c.isascii())
