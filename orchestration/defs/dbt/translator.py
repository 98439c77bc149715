"""How dbt nodes become Dagster assets: keys by layer, groups and owners from dbt meta."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

DEFAULT_OWNER = "team:data-platform"


class CsqDbtTranslator(DagsterDbtTranslator):
    """Models are keyed ``[<schema>, <model>]`` (staging, intermediate, core, kpi), seeds
    ``["seed", <name>]``; sources take ``meta.dagster.asset_key`` (``["raw", source, entity]``),
    which joins the dbt graph to the ingestion assets into one lineage."""

    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                # dbt's tests of the raw sources are checks on the raw assets (not anonymous
                # observations), and every model links its SQL file in the UI
                enable_source_tests_as_checks=True,
                enable_code_references=True,
            )
        )

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "model":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        if resource_type == "seed":
            return dg.AssetKey(["seed", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        meta = dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get(
            "meta", {}
        )
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return meta.get("dagster_group") or super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        meta = dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get(
            "meta", {}
        )
        owner = meta.get("owner")
        return [owner] if owner else [DEFAULT_OWNER]
