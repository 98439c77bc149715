"""Child processes that die with their parent: ``csq-dbt`` runs dbt for Dagster.

dbt runs as a child process of the run (dagster-dbt starts it). When the run process is
killed (``kill -9``, OOM killer), an ordinary child is re-parented to init and keeps writing
to the warehouse, holding DuckDB's lock, with nobody reading its output. ``csq-dbt`` asks the
kernel (Linux ``PR_SET_PDEATHSIG``, kept across ``execve``) to send it SIGTERM when its parent
dies, then becomes the venv's ``dbt`` (on ``CSQ_ENGINE=spark``, the Spark environment's
Python running :mod:`orchestration.lib.spark_session`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from orchestration.settings import SPARK_PYTHON

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
    """Entry point ``csq-dbt``: ``dbt`` with the same arguments, tied to its parent's life;
    on the Spark engine, the Spark environment's dbt inside a Spark session."""
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        sys.exit(f"csq-dbt: parent process {parent} is gone; not starting dbt")
    if os.environ.get("CSQ_ENGINE") == "spark":
        python = Path(os.environ.get("CSQ_SPARK_PYTHON") or SPARK_PYTHON)
        os.execve(python, spark_dbt_command(python, sys.argv[1:]), _spark_env(os.environ))
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


def spark_dbt_command(python: Path, dbt_args: list[str]) -> list[str]:
    """The Spark environment's command for ``dbt <dbt_args>``
    (:func:`orchestration.lib.spark_session.main`); exits with a clear message when the
    environment or Java is missing."""
    if not python.exists():
        sys.exit(
            f"csq-dbt: CSQ_ENGINE=spark needs the Spark environment and {python} does not "
            "exist (`make spark-setup` creates it; CSQ_SPARK_PYTHON points elsewhere)"
        )
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        sys.exit(
            "csq-dbt: CSQ_ENGINE=spark needs a Java 17 runtime and none is on PATH "
            "(`make java` installs Debian's openjdk-17-jre-headless)"
        )
    return [str(python), "-m", "orchestration.lib.spark_session", *dbt_args]


def _spark_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with this package importable from the Spark environment (which does not
    install it: :mod:`orchestration.lib.spark_session` needs only pyspark and dbt)."""
    root = str(Path(__file__).resolve().parents[2])
    path = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": os.pathsep.join([root, path]) if path else root}
