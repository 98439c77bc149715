"""The raw assets: one ``@multi_asset`` per source (a delivery is loaded whole), one
``AssetSpec`` per contract entity, keyed ``raw/<source>/<entity>``.

A run over a partition range (single-run backfill) loads every date of the range that has a
complete delivery and reports per entity what was loaded. On success one ``MaterializeResult``
per entity covers the whole range (Dagster records it for every partition of the range, so it
carries no row count), then one ``AssetMaterialization`` per entity and loaded day gives each
partition its own row counts, file and checksum; dates without a complete delivery are skipped
and listed in ``dates_skipped``. If any delivery was
rejected, the run logs a materialisation per entity only for the dates actually loaded, then
fails (``dg.Failure`` listing every rejected delivery) so rejected dates stay unmaterialised.
"""

# No ``from __future__ import annotations``: Dagster inspects the ``context`` annotation.
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg

from orchestration.contract import SOURCES, Entity, entities
from orchestration.defs.ingest.loader import LoadSummary, audit_path, load_deliveries
from orchestration.lib.memory import release_freed_memory
from orchestration.lib.raw_schema import partition_dir
from orchestration.partitions import SINGLE_RUN_BACKFILL, business_date_partitions
from orchestration.settings import Settings, get_settings

OWNERS = ["team:data-platform"]
KINDS = {"parquet", "python"}


def raw_asset_key(source: str, entity: str) -> dg.AssetKey:
    """``raw/<source>/<entity>``."""
    return dg.AssetKey(["raw", source, entity])


def raw_asset_spec(ent: Entity) -> dg.AssetSpec:
    """The spec of one raw entity, with its column schema and contract facts as metadata."""
    columns = dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                c.type,
                description=("PII" if c.pii else "sensitive" if c.sensitive else None),
                constraints=dg.TableColumnConstraints(nullable=c.nullable),
            )
            for c in ent.columns
        ]
    )
    return dg.AssetSpec(
        key=raw_asset_key(ent.source, ent.name),
        description=ent.description,
        group_name=f"raw_{ent.source}",
        kinds=KINDS,
        owners=OWNERS,
        metadata={
            "dagster/column_schema": columns,
            "delivery_mode": ent.mode.value,
            "natural_key": list(ent.key),
            "pii_columns": ent.pii_columns,
            "source_file": f"<landing>/{ent.source}/<YYYY-MM-DD>/{ent.file}",
        },
    )


def build_raw_source_assets(source: str) -> dg.AssetsDefinition:
    """The multi-asset loading every entity of ``source``."""
    ents = entities(source)

    @dg.multi_asset(
        name=f"raw_{source}",
        specs=[raw_asset_spec(e) for e in ents],
        partitions_def=business_date_partitions(),
        backfill_policy=SINGLE_RUN_BACKFILL,
        can_subset=False,
        description=f"Load the {source} deliveries of the partition range into the raw layer.",
        required_resource_keys={"warehouse_lock"},
    )
    def _raw_source(
        context: dg.AssetExecutionContext,
    ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
        settings = get_settings()
        dates = [date.fromisoformat(k) for k in context.partition_keys]
        summary = load_deliveries(settings, source, dates, context.run.run_id)
        release_freed_memory()
        for delivery in summary.loaded:
            for load in delivery.files.values():
                if load.extra_columns:
                    context.log.warning(
                        f"{load.source_file}: columns not in the contract, not loaded: "
                        f"{load.extra_columns}"
                    )
        context.log.info(
            f"{source}: loaded {len(summary.loaded)}, rejected {len(summary.rejected)}, "
            f"skipped (no complete delivery) {len(summary.skipped)} of {len(dates)} dates"
        )
        if not summary.rejected:
            for ent in ents:
                metadata = entity_metadata(settings, summary, ent, context.run.run_id)
                if len(dates) > 1:  # Dagster copies a range's metadata onto every day
                    metadata.pop("dagster/row_count")
                yield dg.MaterializeResult(
                    asset_key=raw_asset_key(source, ent.name), metadata=metadata
                )
            if len(dates) > 1:  # then each day's own counts, files and checksums, as its latest
                yield from _daily_materializations(settings, summary, ents, context.run.run_id)
            return
        # A failing run records materialisations only for the dates actually loaded.
        yield from _daily_materializations(settings, summary, ents, context.run.run_id)
        if summary.rejected:
            raise dg.Failure(
                description=rejection_report(summary),
                metadata={
                    "rejected": dg.MetadataValue.json(
                        [
                            {
                                "source": r.source,
                                "business_date": r.business_date.isoformat(),
                                "file": p.file,
                                "rule": p.rule,
                                "message": p.message,
                            }
                            for r in summary.rejected
                            for p in r.problems
                        ]
                    )
                },
            )

    return _raw_source


def _daily_materializations(
    settings: Settings, summary: LoadSummary, ents: list[Entity], load_id: str
) -> Iterator[dg.AssetMaterialization]:
    """One materialisation per entity and loaded day, with that day's row counts and file."""
    for delivery in summary.loaded:
        one_day = LoadSummary(summary.source, loaded=[delivery])
        for ent in ents:
            yield dg.AssetMaterialization(
                asset_key=raw_asset_key(summary.source, ent.name),
                partition=delivery.business_date.isoformat(),
                metadata=entity_metadata(settings, one_day, ent, load_id),
            )


FILES_LISTED_MAX_DATES = 31
"""A run over more dates than this records its files in the load audit only. Dagster copies a
range's metadata onto every partition of the range, so per-date lists grow with the square of
a backfill's length: a year's backfill spent ~3 minutes writing 6,205 raw materialisations of
96 KB each (660 MB of event log) before this limit."""


def load_audit_query(settings: Settings, source: str, entity: str, load_id: str) -> str:
    """DuckDB SQL listing the files (path, sha256, counts) one load read for one entity."""
    audit = audit_path(settings, source, "*", load_id)
    return (
        "select business_date, source_file, file_sha256, encoding, rows_in, rows_loaded, "
        f"rows_quarantined from read_parquet('{audit}') where entity = '{entity}' "
        "and status = 'loaded' order by business_date"
    )


def entity_metadata(
    settings: Settings, summary: LoadSummary, ent: Entity, load_id: str
) -> dict[str, Any]:
    """Counts, files, encodings and partition paths of one entity over the loaded dates.

    Up to :data:`FILES_LISTED_MAX_DATES` dates the files and partitions are listed; a longer
    range gives their count, the first and last date and the load-audit query that lists
    them (``load_audit_query``, present in both cases)."""
    loads = [(d.business_date, d.files[ent.name]) for d in summary.loaded]
    rows_in = sum(f.rows_in for _, f in loads)
    rows_loaded = sum(f.rows_loaded for _, f in loads)
    rows_quarantined = sum(f.rows_quarantined for _, f in loads)
    reasons: dict[str, int] = {}
    for _, f in loads:
        for reason, n in f.quarantine_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    single = len(loads) == 1
    raw_root = settings.raw_dir / ent.source / ent.name
    quarantine_root = settings.quarantine_dir / ent.source / ent.name
    metadata: dict[str, Any] = {
        "rows_in": rows_in,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "dagster/row_count": rows_loaded,
        "quarantine_reasons": dg.MetadataValue.json(reasons),
        "load_id": load_id,
        "encoding": ", ".join(sorted({f.encoding for _, f in loads})) or "none",
        "dates_loaded_count": len(loads),
        "dates_skipped": dg.MetadataValue.json([d.isoformat() for d in summary.skipped]),
        "dates_rejected": dg.MetadataValue.json(
            [r.business_date.isoformat() for r in summary.rejected]
        ),
        "raw_path": dg.MetadataValue.path(str(loads[0][1].raw_path if single else raw_root)),
        "quarantine_path": dg.MetadataValue.path(
            str(loads[0][1].quarantine_path if single else quarantine_root)
        ),
        "extra_columns_ignored": dg.MetadataValue.json(
            sorted({c for _, f in loads for c in f.extra_columns})
        ),
        "load_audit_query": dg.MetadataValue.md(
            f"```sql\n{load_audit_query(settings, ent.source, ent.name, load_id)}\n```"
        ),
    }
    if len(loads) > FILES_LISTED_MAX_DATES:
        metadata["dates_loaded_range"] = f"{loads[0][0].isoformat()}..{loads[-1][0].isoformat()}"
        return metadata
    metadata["dates_loaded"] = dg.MetadataValue.json([d.isoformat() for d, _ in loads])
    metadata["files"] = dg.MetadataValue.json(
        [
            {"business_date": d.isoformat(), "path": f.source_file, "sha256": f.sha256}
            for d, f in loads
        ]
    )
    metadata["raw_partitions"] = dg.MetadataValue.json(
        [str(partition_dir(settings.raw_dir, ent, d)) for d, _ in loads]
    )
    return metadata


def rejection_report(summary: LoadSummary) -> str:
    """One line per problem of each rejected delivery: source, date, file, rule, message."""
    lines = [f"{len(summary.rejected)} {summary.source} delivery(ies) rejected:"]
    for rejected in summary.rejected:
        for p in rejected.problems:
            lines.append(
                f"- {rejected.source} {rejected.business_date.isoformat()} {p.file}: "
                f"{p.rule}: {p.message}"
            )
    loaded = ", ".join(d.business_date.isoformat() for d in summary.loaded) or "none"
    lines.append(f"Deliveries loaded before failing: {loaded}.")
    return "\n".join(lines)


raw_assets: list[dg.AssetsDefinition] = [build_raw_source_assets(s) for s in SOURCES]
"""One multi-asset per source, in contract order."""
