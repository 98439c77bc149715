"""Small pure helpers shared by the Dagster definitions (no Dagster imports here)."""
