"""Salted HMAC-SHA256 pseudonymisation, in Python and as a DuckDB SQL macro.

The SQL form lets staging models pseudonymise PII inside the engine (vectorised) while giving
exactly the digest Python's :mod:`hmac` gives, so joins on pseudonyms work across tools.
"""

from __future__ import annotations

import hashlib
import hmac

_BLOCK = 64  # SHA-256 block size in bytes


def pseudonymise(value: str | None, salt: str) -> str | None:
    """HMAC-SHA256 of ``value`` keyed with ``salt``, as lowercase hex (``None`` stays ``None``)."""
    if value is None:
        return None
    return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()


def hmac_pads(salt: str) -> tuple[str, str]:
    """RFC 2104's inner and outer pads of the key ``salt`` (hex): what the SQL forms hash
    with (DuckDB's macro here, Spark's function in ``lib/spark_session.py``)."""
    key = salt.encode()
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


def duckdb_macro_sql(salt: str, name: str = "csq_pseudonymise") -> str:
    """``CREATE TEMP MACRO`` : the same HMAC in DuckDB SQL (RFC 2104 inner/outer pads)."""
    ipad, opad = hmac_pads(salt)
    return (
        f"create or replace temp macro {name}(x) as case when x is null then null else "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(cast(x as varchar))))) "
        "end"
    )
