"""Fault injection for crash tests: at a named point, stop and wait to be killed.

A test starts a process with ``CSQ_FAILPOINTS=<point>``, waits for the marker file
``<home>/failpoints/<point>.<pid>`` and kills the process (``kill -9``) at exactly that
step boundary. Without ``CSQ_FAILPOINTS`` a point costs one set lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_at(points: frozenset[str], point: str, home: Path) -> None:
    """If ``point`` is enabled: write the marker, then sleep until killed."""
    if point not in points:
        return
    marker = home / "failpoints" / f"{point}.{os.getpid()}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    while True:  # pragma: no cover - ends with the process
        time.sleep(1)
