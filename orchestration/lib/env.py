"""Set an environment variable for the length of a block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def env_var(name: str, value: str | None) -> Iterator[None]:
    """``name=value`` inside the block (``None``: left as it is), restored afterwards, also
    when the block raises."""
    previous = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous
