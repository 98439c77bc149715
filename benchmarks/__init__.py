"""The benchmark: generation, backfill, daily run, re-run and the engine floor, measured."""
