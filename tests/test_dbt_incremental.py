"""Incremental models equal a full refresh after a real sequence of daily loads.

The warehouse is built on the first days of a generated lake, then two more loads arrive
and each is run incrementally with no look-back (``lookback_days: 0``, the tightest window).
Every incremental model in the selection must then hold exactly what ``--full-refresh``
computes from the same raw layer: the staging models, the facts, ``fct_contacts`` (whose
7-day repeat flags reach back before the new days) and ``kpi_agent_daily`` (whole dates).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from helpers.generated_lake import (
    GeneratedWarehouse,
    build_generated_warehouse,
    load_dates,
    run_dbt,
)

pytestmark = pytest.mark.integration

START, DAYS, FIRST_BUILD, AGENTS, SEED = date(2026, 3, 2), 14, 9, 20, 11
INCREMENTS = ((9, 10), (11, 13))
"""Day offsets (first, last) of the loads that arrive after the first build."""
SELECT = ("+fct_contacts", "+kpi_agent_daily")


@dataclass(frozen=True)
class Runs:
    warehouse: GeneratedWarehouse
    models: dict[str, str]
    """Incremental models built: name -> ``schema.name``."""
    first: dict[str, pd.DataFrame]
    incremental: dict[str, pd.DataFrame]
    full: dict[str, pd.DataFrame]


def _incremental_models(target: Path) -> dict[str, str]:
    manifest = json.loads((target / "manifest.json").read_text())
    built = {
        r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]
    }
    return {
        node["name"]: f"{node['schema']}.{node['alias']}"
        for uid, node in manifest["nodes"].items()
        if uid in built and node["config"].get("materialized") == "incremental"
    }


def _snapshot(warehouse: GeneratedWarehouse, models: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Each model's rows in a canonical order (lineage load ids excluded: they name the load)."""
    out = {}
    for name, relation in models.items():
        df = warehouse.query(f"select * from {relation}").drop(
            columns=["_load_id"], errors="ignore"
        )
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    home = tmp_path_factory.mktemp("dbt_incremental")
    warehouse = build_generated_warehouse(
        home, START, DAYS, agents=AGENTS, seed=SEED, select=SELECT, loaded_days=FIRST_BUILD
    )
    models = _incremental_models(warehouse.target)
    first = _snapshot(warehouse, models)
    for first_day, last_day in INCREMENTS:
        dates = [START + timedelta(days=i) for i in range(first_day, last_day + 1)]
        load_dates(warehouse.settings, dates, load_id="test-increment")
        window = {"min_date": dates[0].isoformat(), "lookback_days": 0}
        run_dbt(warehouse, "run", "--select", *SELECT, "--vars", json.dumps(window))
    incremental = _snapshot(warehouse, models)
    run_dbt(warehouse, "run", "--full-refresh", "--select", *SELECT)
    yield Runs(warehouse, models, first, incremental, _snapshot(warehouse, models))


def test_the_selection_builds_the_incremental_models(runs: Runs) -> None:
    assert {"fct_contacts", "kpi_agent_daily", "fct_call_segments", "fct_agent_states"} <= set(
        runs.models
    )


@pytest.mark.parametrize(
    "model",
    [
        "fct_contacts",
        "kpi_agent_daily",
        "fct_call_segments",
        "fct_chats",
        "fct_tickets",
        "fct_agent_states",
        "fct_schedules",
        "stg_telephony__calls",
        "stg_telephony__agent_states",
        "stg_crm__chat_sessions",
    ],
)
def test_incremental_loads_equal_a_full_refresh(runs: Runs, model: str) -> None:
    pd.testing.assert_frame_equal(runs.incremental[model], runs.full[model], obj=model)


def test_the_increments_changed_contacts_stored_before_them(runs: Runs) -> None:
    """The comparison above is only meaningful if the new days changed stored rows: contacts of
    the first build whose repeat flag or window flag the later contacts settled."""
    key, flags = ["contact_sk"], ["has_repeat_7d", "is_repeat_window_complete"]
    before = runs.first["fct_contacts"].set_index(key)[flags]
    after = runs.full["fct_contacts"].set_index(key)[flags].loc[before.index]
    changed = (before != after).any(axis=1)
    assert changed.sum() > 0
    assert (~before["has_repeat_7d"] & after["has_repeat_7d"]).sum() > 0


def test_the_increments_added_agent_days(runs: Runs) -> None:
    days = pd.to_datetime(runs.full["kpi_agent_daily"]["date"]).dt.date
    first_days = pd.to_datetime(runs.first["kpi_agent_daily"]["date"]).dt.date
    assert max(first_days) == START + timedelta(days=FIRST_BUILD - 1)
    assert max(days) == START + timedelta(days=DAYS - 1)
