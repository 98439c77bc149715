"""``python benchmarks/run.py --days 365 --agents 300``: the benchmark (see README.md)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench import main

if __name__ == "__main__":
    sys.exit(main())
