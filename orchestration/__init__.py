"""The Dagster code location of the contact-centre warehouse (see ``definitions``)."""

import os

# Arrow buffers (and so pandas' Arrow-backed strings) use the system allocator in every process
# that imports this package. pyarrow's default on Linux, mimalloc, kept the pages of every GX
# chunk: a year of the three telephony suites grew to 3.5 GB, and releasing the pool after each
# chunk did not help (3.4 GB); with glibc malloc, trimmed after each chunk (``lib/memory.py``),
# it peaked at 1.5 GB. Arrow reads the variable once, at its first allocation, so it is set
# here, before any module of the package imports pyarrow; ``pa.set_memory_pool`` does not reach
# the C++ code paths (measured: 3.1 GB).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
