"""Suite-wide setup.

pytest-xdist runs each worker with a bare ``__main__`` (no ``__file__``, no ``__spec__``).
pyspark 4's ``pyspark.sql.connect`` takes such a process for a doctest run and calls
``sys.exit(0)`` when Spark Connect's optional dependencies are absent. Great Expectations
imports that module while it loads, so every GX test in a worker would exit. ``csq`` and
Dagster's step processes have a real ``__main__``, so this shim is only for the workers: it
names their ``__main__`` and pyspark then behaves as in ``csq`` (ImportError, caught by GX).
"""

import __main__

if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"
