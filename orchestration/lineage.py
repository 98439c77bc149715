"""Column lineage, followed end to end: from a mart column back to the raw extract columns.

Every dbt model's latest materialisation carries ``dagster/column_lineage`` (the upstream asset
columns each column is computed from). Dagster's open-source UI stores it but draws no column
graph, so ``csq lineage`` prints the chain for one column and ``csq docs`` writes
``reports/lineage/index.html`` with the chain of every column of every ``kpi`` mart.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

LINEAGE_KEY = "dagster/column_lineage"
SCAN = 50
"""Latest materialisations searched for the lineage (a backfill's extra one may be older)."""


@dataclass
class Node:
    """One asset column and the columns it is computed from."""

    asset: dg.AssetKey
    column: str
    parents: list[Node] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.asset.to_user_string()}.{self.column}"


class Lineage:
    """Reads (and caches) the latest column lineage of assets from a Dagster instance."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self._deps: dict[dg.AssetKey, dict[str, list[tuple[dg.AssetKey, str]]] | None] = {}

    def deps(self, asset: dg.AssetKey) -> dict[str, list[tuple[dg.AssetKey, str]]] | None:
        """Column -> its upstream (asset, column), from the latest materialisation that has
        lineage; None for an asset without (raw extracts: the end of the chain)."""
        if asset not in self._deps:
            found = None
            page = self.instance.fetch_materializations(asset, limit=SCAN)
            for record in page.records:
                value = record.asset_materialization.metadata.get(LINEAGE_KEY)
                if value is not None:
                    found = {
                        column: [(d.asset_key, d.column_name) for d in deps]
                        for column, deps in value.value.deps_by_column.items()
                    }
                    break
            self._deps[asset] = found
        return self._deps[asset]

    def trace(self, asset: dg.AssetKey, column: str, seen: frozenset[str] = frozenset()) -> Node:
        """The tree of ``asset.column``'s upstream columns, down to the raw extracts."""
        node = Node(asset, column)
        if node.label in seen:
            return node
        for parent, parent_column in (self.deps(asset) or {}).get(column, []):
            node.parents.append(self.trace(parent, parent_column, seen | {node.label}))
        return node


def render_text(node: Node, depth: int = 0) -> list[str]:
    """The tree as indented lines (``<-`` reads "is computed from")."""
    lines = [("  " * depth + ("<- " if depth else "")) + node.label]
    for parent in node.parents:
        lines += render_text(parent, depth + 1)
    return lines


def _render_html(node: Node) -> str:
    kids = "".join(f"<li>{_render_html(p)}</li>" for p in node.parents)
    raw = (
        ' <span class="badge badge-secondary">extract</span>' if node.asset.path[0] == "raw" else ""
    )
    return f"<code>{html.escape(node.label)}</code>{raw}" + (f"<ul>{kids}</ul>" if kids else "")


def write_lineage_page(instance: dg.DagsterInstance, marts: list[dg.AssetKey], out: Path) -> Path:
    """``out/index.html``: every column of every mart in ``marts`` traced to the extracts."""
    lineage = Lineage(instance)
    sections = []
    for mart in marts:
        columns = lineage.deps(mart)
        if not columns:
            continue
        items = "".join(
            f"<li>{_render_html(lineage.trace(mart, column))}</li>" for column in sorted(columns)
        )
        name = html.escape(mart.to_user_string())
        sections.append(f"<h2 class='h5 mt-4' id='{name}'>{name}</h2><ul>{items}</ul>")
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Column lineage</title>"
        "<link rel='stylesheet' href='../data_docs/static/vendor/css/bootstrap.min.css'></head>"
        "<body><div class='container-fluid py-3'><h1 class='h3'>Column lineage: every mart "
        "column back to the extract columns</h1><p class='text-muted'>From the latest "
        "materialisation of each dbt model (<code>dagster/column_lineage</code>, derived from its "
        "compiled SQL). Only the columns a value is computed from are listed; filters and joins "
        "are in the SQL. <code>csq lineage &lt;asset&gt;.&lt;column&gt;</code> prints one.</p>"
        + ("".join(sections) or "<p>No lineage recorded yet: run <code>csq run</code>.</p>")
        + "</div></body></html>"
    )
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
