"""The SQL HMAC macro used by dbt staging equals Python's hmac, so pseudonyms join across tools."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from orchestration.lib.pseudonymise import duckdb_macro_sql, pseudonymise

VALUES = ["张三", "13800138000", "11010119900307123X", "", "a" * 200]


@pytest.mark.parametrize("salt", ["s", "a-longer-secret-salt-🙂", "k" * 100])
def test_sql_macro_equals_python_hmac(salt: str) -> None:
    con = duckdb.connect()
    con.execute(duckdb_macro_sql(salt))
    for value in VALUES:
        (sql_digest,) = con.execute("select csq_pseudonymise(?)", [value]).fetchone()
        expected = hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()
        assert sql_digest == expected == pseudonymise(value, salt)
    assert con.execute("select csq_pseudonymise(null)").fetchone() == (None,)


def test_different_salts_give_unlinkable_pseudonyms() -> None:
    assert pseudonymise("13800138000", "salt-a") != pseudonymise("13800138000", "salt-b")
    assert pseudonymise(None, "salt-a") is None
