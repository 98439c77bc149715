"""Superset configuration for the csq dashboards (read by Superset via SUPERSET_CONFIG_PATH).

Everything stateful lives under ``$CSQ_HOME/bi`` (``CSQ_BI_HOME``, set by ``bi/serve.py``):
the SQLite metadata database, the generated secret key, Superset's data folder. Nothing here
is a secret: the key is generated into the git-ignored home on first start.
"""

import os
from pathlib import Path

BI_HOME = Path(os.environ["CSQ_BI_HOME"])

SECRET_KEY = (BI_HOME / "secret_key").read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{BI_HOME / 'superset.db'}"
DATA_DIR = str(BI_HOME / "data")

# a local, single-team deployment: no Celery, no cache server, no outgoing calls
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"
FEATURE_FLAGS = {"ALERT_REPORTS": False, "THUMBNAILS": False, "DASHBOARD_VIRTUALIZATION": False}
SUPERSET_LOG_VIEW = True
# the dashboards read one DuckDB file, read-only; nobody adds other connections from the UI
PREVENT_UNSAFE_DB_CONNECTIONS = True
SQLLAB_TIMEOUT = 60
ROW_LIMIT = 50_000
# a fresh login each day at most; passwords are checked by Superset's own (hashed) user table
PERMANENT_SESSION_LIFETIME = 24 * 3600
WTF_CSRF_ENABLED = True
