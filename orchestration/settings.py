"""All configuration in one typed object, read from ``CSQ_*`` environment variables.

No other module reads the environment: they receive a :class:`Settings` (or call
:func:`get_settings`). Child processes (dbt) receive the resolved values through
:meth:`Settings.subprocess_env`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

ENGINES = ("duckdb", "spark")
"""Values of ``CSQ_ENGINE``."""

SPARK_PYTHON = Path(__file__).resolve().parents[1] / "spark" / ".venv" / "bin" / "python"
"""The Spark environment's interpreter (``make spark-setup``), unless ``CSQ_SPARK_PYTHON``."""

DEMO_PII_SALT = "csq-demo-salt-not-for-production"
"""Used only when ``CSQ_PII_SALT`` is unset, with a loud warning: fine for generated sample
data, never for real extracts."""


@dataclass(frozen=True)
class Settings:
    """Resolved configuration (absolute paths)."""

    home: Path
    landing_dir: Path
    warehouse: Path
    dagster_home: Path
    pii_salt: str
    partitions_start: date
    dbt_target: str
    engine: str = "duckdb"
    """The engine dbt builds the warehouse on (``CSQ_ENGINE``): ``duckdb`` (the DuckDB file
    ``warehouse``) or ``spark`` (dbt-spark on a local Spark session, tables as Parquet under
    ``spark_dir``; docs/scale-out.md)."""
    spark_python: Path = SPARK_PYTHON
    """The Python of the environment with dbt-spark and pyspark (``CSQ_SPARK_PYTHON``; default
    ``spark/.venv``), which ``csq-dbt`` runs dbt in on the Spark engine."""
    duckdb_memory_limit: str = "1GB"
    """DuckDB's buffer-pool cap for dbt (``CSQ_DUCKDB_MEMORY_LIMIT``). DuckDB's own default
    is 80 % of RAM; above the cap it spills to ``<warehouse>.tmp`` instead of growing."""
    gx_chunk_cells: int = 6_000_000
    """Most values (rows x columns) one GX validation holds in memory
    (``CSQ_GX_CHUNK_CELLS``): a run's partitions are validated in chunks of whole partitions
    up to this size, so a wide table (calls: 22 columns) gets fewer rows per chunk than a
    narrow one (agent states: 11)."""
    docs_host: str = "127.0.0.1"
    """Where ``csq docs`` serves Data Docs and dbt docs (``CSQ_DOCS_HOST``)."""
    docs_port: int = 8081
    """Its port (``CSQ_DOCS_PORT``); check results link their Data Docs page there."""
    alert_webhook_url: str | None = None
    """Where the run-failure sensor POSTs each alert as JSON (``CSQ_ALERT_WEBHOOK_URL``)."""
    lock_wait_s: float = 0.0
    """How long a run waits for another run of the same home to finish (``CSQ_LOCK_WAIT_S``;
    0: fail at once with "another run ... holds the warehouse")."""
    failpoints: frozenset[str] = frozenset()
    """Fault-injection points where the process stops and waits to be killed
    (``CSQ_FAILPOINTS``, comma-separated; for crash tests only, e.g. ``journal.staged``)."""

    @property
    def salt_is_demo(self) -> bool:
        return self.pii_salt == DEMO_PII_SALT

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def raw_dir(self) -> Path:
        """``raw/<source>/<entity>/business_date=<date>/data.parquet``."""
        return self.lake_dir / "raw"

    @property
    def quarantine_dir(self) -> Path:
        """``quarantine/<source>/<entity>/business_date=<date>/data.parquet``."""
        return self.lake_dir / "quarantine"

    @property
    def audit_dir(self) -> Path:
        """``audit/load_audit/<source>/business_date=<date>/<load_id>.parquet`` (append-only)."""
        return self.lake_dir / "audit"

    @property
    def journal_dir(self) -> Path:
        """Unfinished multi-file writes (``lib/journal.py``): empty between runs."""
        return self.audit_dir / "journal"

    @property
    def spark_dir(self) -> Path:
        """Spark's warehouse (``warehouse/<schema>.db/<table>/``) and metastore, engine spark."""
        return self.home / "spark"

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_db(self) -> Path:
        return self.published_dir / "marts.duckdb"

    @property
    def reports_dir(self) -> Path:
        """Human-readable outputs: GX Data Docs, run summaries, lineage exports."""
        return self.home / "reports"

    def docs_url(self, path: Path) -> str:
        """The ``csq docs`` URL of a file under ``reports/`` (a Data Docs page)."""
        rel = path.resolve().relative_to(self.reports_dir.resolve()).as_posix()
        return f"http://{self.docs_host}:{self.docs_port}/{rel}"

    def subprocess_env(self) -> dict[str, str]:
        """The environment a child process (dbt) needs to see the same configuration."""
        return {
            "CSQ_HOME": str(self.home),
            "CSQ_LANDING_DIR": str(self.landing_dir),
            "CSQ_WAREHOUSE": str(self.warehouse),
            "CSQ_LAKE_DIR": str(self.lake_dir),
            "CSQ_PII_SALT": self.pii_salt,
            "CSQ_DBT_TARGET": self.dbt_target,
            "CSQ_ENGINE": self.engine,
            "CSQ_SPARK_DIR": str(self.spark_dir),
            "CSQ_SPARK_PYTHON": str(self.spark_python),
            "CSQ_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "CSQ_FAILPOINTS": ",".join(sorted(self.failpoints)),
            "DAGSTER_HOME": str(self.dagster_home),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }

    def apply_to_environ(self) -> None:
        """Export the resolved values so dbt (a child process) sees what Python sees."""
        os.environ.update(self.subprocess_env())


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return (Path(value) if value else default).expanduser().resolve()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (``os.environ`` by default)."""
    env = dict(os.environ if env is None else env)
    home = _path(env, "CSQ_HOME", Path(".csq"))
    salt = env.get("CSQ_PII_SALT") or DEMO_PII_SALT
    engine = (env.get("CSQ_ENGINE") or "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"CSQ_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
    if salt == DEMO_PII_SALT:
        log.warning(
            "CSQ_PII_SALT is not set: pseudonymising with the public DEMO salt. "
            "Set CSQ_PII_SALT (a long random secret) before loading real extracts."
        )
    return Settings(
        home=home,
        landing_dir=_path(env, "CSQ_LANDING_DIR", home / "landing"),
        warehouse=_path(env, "CSQ_WAREHOUSE", home / "warehouse.duckdb"),
        dagster_home=_path(env, "DAGSTER_HOME", home / "dagster"),
        pii_salt=salt,
        partitions_start=date.fromisoformat(env.get("CSQ_PARTITIONS_START", "2025-01-01")),
        dbt_target=env.get("CSQ_DBT_TARGET") or ("spark" if engine == "spark" else "dev"),
        engine=engine,
        # absolute, not resolved: a venv's python is a symlink to the base interpreter
        spark_python=Path(env.get("CSQ_SPARK_PYTHON") or SPARK_PYTHON).expanduser().absolute(),
        duckdb_memory_limit=env.get("CSQ_DUCKDB_MEMORY_LIMIT") or "1GB",
        gx_chunk_cells=int(env.get("CSQ_GX_CHUNK_CELLS") or 6_000_000),
        docs_host=env.get("CSQ_DOCS_HOST") or "127.0.0.1",
        docs_port=int(env.get("CSQ_DOCS_PORT") or 8081),
        alert_webhook_url=env.get("CSQ_ALERT_WEBHOOK_URL") or None,
        lock_wait_s=float(env.get("CSQ_LOCK_WAIT_S") or 0),
        failpoints=frozenset(p for p in (env.get("CSQ_FAILPOINTS") or "").split(",") if p),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
