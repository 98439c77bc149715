"""What ``csq run`` shows a person while the run works: one line per finished step.

The run's full log (every dbt node line, every GX detail, Dagster's DEBUG events) goes to
``$CSQ_HOME/logs/run-<run id>.log`` and to Dagster's run history; the terminal gets a line per
step (number, name, outcome, seconds), warnings and errors of our own code, then the summary.
``csq run --verbose`` shows everything on the terminal instead.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import dagster as dg

LOG_DIR = "logs"
_STEP_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


class ProgressHandler(logging.Handler):
    """Turns Dagster's step events into one line per finished step on ``out``."""

    def __init__(self, out: IO[str], total_steps: int) -> None:
        super().__init__(level=logging.DEBUG)
        self.out, self.total = out, total_steps
        self.started: dict[str, float] = {}
        self.done = 0

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        kind = getattr(event, "event_type_value", None)
        step = meta.get("step_key") or getattr(event, "step_key", None) or ""
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            return
        if kind in _STEP_EVENTS:
            self.done += 1
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            outcome = {"STEP_SUCCESS": "ok", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}
            self._line(
                f"[{self.done:>2}/{self.total}] {step:<24} {outcome[kind]:<7} {seconds:7.1f} s"
            )
            if kind == "STEP_FAILURE" and event is not None:
                error = getattr(event.event_specific_data, "error", None)
                message = (getattr(error, "message", "") or "").strip().splitlines()
                for line in message[:12]:
                    self._line(f"        {line}")
            return
        if event is None and record.levelno >= logging.WARNING:
            self._line(f"        {record.levelname.lower()}: {record.getMessage()[:400]}")

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


_handler: ProgressHandler | None = None


@dg.logger(description="csq run's terminal progress: one line per finished step.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("csq.progress")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers = [_handler] if _handler is not None else []
    return logger


@contextmanager
def quiet_run(home: Path, run_id: str, total_steps: int) -> Iterator[tuple[Path, IO[str]]]:
    """Within the block the process's stdout and stderr (dbt's node lines among them) go to
    the run's log file, and :data:`progress_logger` writes to the terminal. Yields the log file
    and the terminal stream (for the summary)."""
    global _handler
    log = home / LOG_DIR / f"run-{run_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8")
    with log.open("a", encoding="utf-8") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        _handler = ProgressHandler(terminal, total_steps)
        try:
            yield log, terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            _handler = None
            terminal.close()


def progress_run_config(verbose: bool) -> dict[str, Any]:
    """The loggers of a ``csq run``: the progress lines, and the console (INFO) if verbose."""
    loggers: dict[str, Any] = {"csq_progress": {}}
    if verbose:
        loggers = {"console": {"config": {"log_level": "INFO"}}}
    return {"loggers": loggers}
