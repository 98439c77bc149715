"""The suite files are complete: every raw entity and core fact guarded, contract covered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.contract import ENTITIES, LINEAGE_COLUMNS
from orchestration.lib.gx_suites import SuiteFileError, default_suites_dir, load_suites, parse_suite

SUITES = {s.name: s for s in load_suites(default_suites_dir())}
CORE_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts" / "core"


def _of(suite_name: str, etype: str) -> list[dict]:
    return [e.kwargs for e in SUITES[suite_name].expectations if e.type == etype]


def test_one_raw_suite_per_contract_entity() -> None:
    raw = {n for n in SUITES if n.startswith("raw.")}
    assert raw == {f"raw.{e.source}.{e.name}" for e in ENTITIES}
    assert len(raw) == 18


GUARDED_FACTS = {
    # docs/star-schema.md service facts + fct_schedules, and the CTI / CSI / QA-item facts
    "fct_call_segments",
    "fct_chats",
    "fct_survey_responses",
    "fct_qa_evaluations",
    "fct_qa_evaluation_items",
    "fct_tickets",
    "fct_contacts",
    "fct_agent_states",
    "fct_csi_responses",
    "fct_schedules",
}


def test_core_suites_guard_existing_fact_models() -> None:
    facts = {p.stem for p in CORE_DIR.glob("fct_*.sql")}
    core = {n.removeprefix("core.") for n in SUITES if n.startswith("core.")}
    assert core == GUARDED_FACTS
    assert core <= facts, f"suites for facts that do not exist: {core - facts}"


@pytest.mark.parametrize("e", ENTITIES, ids=lambda e: f"{e.source}.{e.name}")
def test_raw_suite_covers_contract(e) -> None:
    name = f"raw.{e.source}.{e.name}"
    suite = SUITES[name]
    assert suite.asset_key == ("raw", e.source, e.name)
    (schema,) = _of(name, "expect_table_columns_to_match_ordered_list")
    expected = [*e.column_names, *(c.name for c in LINEAGE_COLUMNS), *suite.derived_columns]
    assert schema["column_list"] == expected
    typed = {k["column"] for k in _of(name, "expect_column_values_to_be_of_type")}
    assert typed == set(e.column_names) | {c.name for c in LINEAGE_COLUMNS}
    not_null = {k["column"] for k in _of(name, "expect_column_values_to_not_be_null")}
    assert set(e.key) <= not_null
    unique = [k["column_list"] for k in _of(name, "expect_compound_columns_to_be_unique")]
    assert [*e.key, "_business_date"] in unique
    in_set = {
        k["column"]: k["value_set"]
        for k in _of(name, "expect_column_values_to_be_in_set")
        if "row_condition" not in k and isinstance(k["value_set"], list)
    }
    for c in e.columns:
        if c.values:
            assert sorted(in_set[c.name]) == sorted(c.values), c.name
    ranged = {k["column"] for k in _of(name, "expect_column_values_to_be_between")}
    for c in e.columns:
        if c.min is not None or c.max is not None:
            assert c.name in ranged, c.name


def test_domain_ranges_are_checked_as_errors() -> None:
    def bounds(suite: str, column: str) -> tuple:
        (spec,) = [
            e
            for e in SUITES[suite].expectations
            if e.type == "expect_column_values_to_be_between"
            and e.kwargs["column"] == column
            and "row_condition" not in e.kwargs
        ]
        assert spec.severity == "error"
        return spec.kwargs.get("min_value"), spec.kwargs.get("max_value")

    assert bounds("raw.survey.post_contact", "csat") == (1, 5)
    assert bounds("raw.survey.post_contact", "nps") == (0, 10)
    assert bounds("raw.survey.post_contact", "ces") == (1, 7)
    assert bounds("raw.telephony.calls", "talk_s") == (0, 4 * 3600)
    assert bounds("raw.survey.csi", "qual_3") == (1, 10)
    assert bounds("core.fct_qa_evaluations", "qa_score") == (0, 100)


def test_every_expectation_has_severity_and_reason() -> None:
    for suite in SUITES.values():
        assert suite.has_error_expectations, suite.name
        for e in suite.expectations:
            assert e.severity in ("error", "warn") and e.meta["why"].strip()


def test_volume_checks_use_runtime_bounds() -> None:
    volume = [e for s in SUITES.values() for e in s.expectations if e.meta.get("volume_band")]
    assert volume and all(e.type == "expect_table_row_count_to_be_between" for e in volume)
    assert all(e.parameters == {"volume_min", "volume_max"} for e in volume)


def test_malformed_suite_is_rejected_with_file_and_expectation(tmp_path: Path) -> None:
    path = tmp_path / "raw.x.y.json"
    path.write_text(
        json.dumps(
            {
                "name": "raw.x.y",
                "meta": {"asset_key": ["raw", "x", "y"], "kind": "raw"},
                "expectations": [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}],
            }
        )
    )
    with pytest.raises(SuiteFileError, match=r"raw\.x\.y\.json: expectation #0.*severity"):
        parse_suite(path)
