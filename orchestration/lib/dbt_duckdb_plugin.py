"""dbt-duckdb plugin: defines ``csq_pseudonymise(x)`` on every connection dbt opens.

Configured in ``dbt_project/profiles.yml`` with the salt from ``CSQ_PII_SALT``; the macro is
temporary (it lives only in dbt's connection), so the salt is never stored in the warehouse.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from orchestration.lib.pseudonymise import duckdb_macro_sql


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        salt = plugin_config.get("salt")
        if not salt:
            raise ValueError("csq plugin: 'salt' is empty; set CSQ_PII_SALT")
        self._macro_sql = duckdb_macro_sql(str(salt))

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.execute(self._macro_sql)

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        # Temp macros live per DuckDB connection, and dbt-duckdb hands each thread a cursor
        # (a new connection): define it on every one.
        cursor.execute(self._macro_sql)
