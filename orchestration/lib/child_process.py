"""Child processes that die with their parent: ``csq-dbt`` runs dbt for Dagster.

dbt runs as a child process of the run (dagster-dbt starts it). When the run process is
killed (``kill -9``, OOM killer), an ordinary child is re-parented to init and keeps writing
to the warehouse, holding DuckDB's lock, with nobody reading its output. ``csq-dbt`` asks the
kernel (Linux ``PR_SET_PDEATHSIG``, kept across ``execve``) to send it SIGTERM when its parent
dies, then becomes the venv's ``dbt``.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux only);
    whether that could be arranged."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def dbt_main() -> None:
    """Entry point ``csq-dbt``: ``dbt`` with the same arguments, tied to its parent's life."""
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        sys.exit(f"csq-dbt: parent process {parent} is gone; not starting dbt")
    if os.environ.get("CSQ_ENGINE") == "spark":
        _dbt_in_spark_session()
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


def _dbt_in_spark_session() -> None:
    """Run dbt in this process, inside the Spark session dbt-spark's ``session`` method will
    reuse (:mod:`orchestration.lib.spark_session`); exits with dbt's return code."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        sys.exit(
            "csq-dbt: CSQ_ENGINE=spark needs a Java 17 runtime and none is on PATH "
            "(`make java` installs Debian's openjdk-17-jre-headless)"
        )
    from dbt.cli.main import dbtRunner

    from orchestration.lib.spark_session import start_session

    session = start_session(os.environ)
    try:
        result = dbtRunner().invoke(sys.argv[1:])
    finally:
        session.stop()
    sys.exit(0 if result.success else (1 if result.exception is None else 2))
