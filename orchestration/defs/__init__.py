"""Dagster definitions, one package per integration; they meet only through asset keys."""
