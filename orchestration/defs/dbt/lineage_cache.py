"""A file cache of per-model column lineage, so a build pays sqlglot only for changed SQL.

dagster-dbt's lineage builder runs sqlglot's ``lineage()`` once per column, re-parsing the
model each time: about half a second per model, most of a minute for the whole project on
2 cores. The result depends only on the model's compiled SQL and its parents' columns, which
rarely change between runs. The cache key is a hash of those two. Date literals are masked
in the SQL so that an incremental model's run date (``CSQ_RUN_MIN_DATE``) does not change the
key. Upstream columns are stored by dbt unique id and mapped to asset keys on every read, so
a changed translator never serves stale keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import dagster_dbt
import sqlglot

CACHE_VERSION = f"1|dagster-dbt {dagster_dbt.__version__}|sqlglot {sqlglot.__version__}"
"""Part of every key: an upgrade of the builder or of sqlglot starts from an empty cache."""
MAX_ENTRIES = 2000
"""Least recently used entries beyond this are dropped on save."""
DATE_LITERAL = re.compile(r"'\d{4}-\d{2}-\d{2}'")

Stored = dict[str, list[list[str]]]
"""``{column: [[parent unique id, parent column], ...]}``."""


def cache_key(sql: str, parents: Mapping[str, Any], columns: Mapping[str, Any]) -> str:
    """Hash of what the lineage of one model depends on."""
    payload = [CACHE_VERSION, DATE_LITERAL.sub("'<date>'", sql), parents, sorted(columns)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class LineageCache:
    """Column lineage by :func:`cache_key`, in one JSON file (``path=None``: memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Stored] = {}
        self.changed = False
        if path is not None and path.exists():
            try:
                self.entries = json.loads(path.read_text())
            except (OSError, ValueError):
                self.entries = {}  # a damaged cache is only a slower build

    def get(
        self, key: str, asset_key: Callable[[str], dg.AssetKey]
    ) -> dg.TableColumnLineage | None:
        """The cached lineage, with each parent unique id mapped by ``asset_key``."""
        stored = self.entries.pop(key, None)
        if stored is None:
            return None
        self.entries[key] = stored  # most recently used last
        self.changed = True
        return dg.TableColumnLineage(
            deps_by_column={
                column: [dg.TableColumnDep(asset_key(uid), name) for uid, name in deps]
                for column, deps in stored.items()
            }
        )

    def put(
        self, key: str, lineage: dg.TableColumnLineage, unique_ids: Mapping[dg.AssetKey, str]
    ) -> None:
        """Store ``lineage``; ``unique_ids`` maps each parent's asset key to its unique id.
        Not stored if a dependency is on an asset that is not a known parent."""
        stored: Stored = {}
        for column, deps in lineage.deps_by_column.items():
            if any(d.asset_key not in unique_ids for d in deps):
                return
            stored[column] = sorted([unique_ids[d.asset_key], d.column_name] for d in deps)
        self.entries[key] = stored
        self.changed = True

    def save(self) -> None:
        """Write the file atomically (a concurrent run at worst loses its additions)."""
        if self.path is None or not self.changed:
            return
        keep = dict(list(self.entries.items())[-MAX_ENTRIES:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(keep))
        os.replace(tmp, self.path)
        self.changed = False
