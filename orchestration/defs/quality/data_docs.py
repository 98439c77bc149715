"""One Data Docs site for every check step and every run, readable offline.

GX renders a step's pages into a staging folder (its ephemeral context only knows that step's
results, and a build removes the pages it does not know: each step used to wipe the others').
:func:`publish_pages` then copies the pages into ``$CSQ_HOME/reports/data_docs`` where they
accumulate across steps and runs, rewrites their CDN stylesheets and scripts to copies vendored
in ``data_docs_static/`` (Bootstrap, jQuery, Popper, bootstrap-table, bootstrap-datepicker, Font
Awesome; licences beside them), drops the charting libraries no page of ours uses, and heads
every validation page with the partitions and run it covers. :func:`write_index` renders the
site's ``index.html`` from the validation history (``lake/audit/validations``): every suite,
latest result first, with every earlier one, each linking its page.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb

VENDOR_DIR = Path(__file__).with_name("data_docs_static")
VENDOR_URL = "static/vendor"

CDN: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "css/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "js/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "css/fontawesome.min.css"
    ),
    # charts (no expectation of ours renders one) and the dark theme: left out
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": None,
}
"""Every remote asset GX 1.24's pages load -> the vendored file (None: dropped)."""
_GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"')]*?/([a-z_-]+\.png)[^\"')]*")
_TAG = re.compile(r"<(script|link)\b[^>]*?(?:src|href)=\"(https?://[^\"]+)\"[^>]*>(\s*</script>)?")
_SRI = re.compile(r"\s(?:integrity|crossorigin)=\"[^\"]*\"")


def offline(page: str, depth: int) -> str:
    """``page`` with its remote assets replaced by the vendored ones (``depth``: folders
    between the page and the site root)."""
    up = "../" * depth

    def tag(match: re.Match[str]) -> str:
        url = match.group(2)
        if url not in CDN:
            return match.group(0)
        local = CDN[url]
        if local is None:
            return ""
        return _SRI.sub("", match.group(0)).replace(url, f"{up}{VENDOR_URL}/{local}")

    page = _TAG.sub(tag, page)
    return _GX_LOGO.sub(lambda m: f"{up}static/images/logo-long.png", page)


def remote_assets(page: str) -> list[str]:
    """Stylesheets, scripts and images a page would still fetch from the network."""
    found = re.findall(r"<(?:script|link|img)\b[^>]*?(?:src|href)=\"(https?://[^\"]+)\"", page)
    return found + re.findall(r"url\(['\"]?(https?://[^'\")]+)", page)


def _banner(label: str) -> str:
    return (
        '<div class="alert alert-info m-2" role="note" id="csq-partitions">'
        f"<strong>Partitions</strong> {html.escape(label)}</div>"
    )


def publish_pages(staging: Path, site: Path, labels: Mapping[Path, str]) -> dict[Path, Path]:
    """Copy the pages GX rendered into ``staging`` into ``site`` (offline, validation pages
    headed by their ``labels``: staging page -> "partitions ... run ..."), keep every page the
    site already holds, and return staging page -> site page."""
    moved: dict[Path, Path] = {}
    _copy_static(staging, site)
    for page in sorted(staging.rglob("*.html")):
        rel = page.relative_to(staging)
        if rel.parts[0] not in ("validations", "expectations"):
            continue  # GX's own index knows only this step: the site's index is ours
        text = offline(page.read_text(encoding="utf-8"), len(rel.parts) - 1)
        if page in labels:
            text = text.replace("<body>", "<body>\n" + _banner(labels[page]), 1)
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        moved[page] = target
    return moved


def _copy_vendor(site: Path) -> None:
    vendor = site / VENDOR_URL
    if not vendor.is_dir():
        shutil.copytree(VENDOR_DIR, vendor)


def _copy_static(staging: Path, site: Path) -> None:
    _copy_vendor(site)
    gx_static = staging / "static"
    if gx_static.is_dir() and not (site / "static" / "styles").is_dir():
        shutil.copytree(gx_static, site / "static", dirs_exist_ok=True)


_INDEX_SQL = """
select suite, asset_key, run_id, partition_start, partition_end, data_docs,
       max(validated_at) as validated_at, max(row_count) as row_count,
       count(*) filter (where status = 'error') as could_not_run,
       count(*) filter (where status = 'failed' and severity = 'error') as errors,
       count(*) filter (where status = 'failed' and severity = 'warn') as warnings,
       count(*) filter (where status = 'passed') as passed
from read_parquet(?, union_by_name = true)
group by all
order by suite, validated_at desc
"""


def write_index(site: Path, history: Path) -> Path:
    """The site's ``index.html``: per suite, every validation (latest first) with its verdict,
    partitions, run, rows and a link to its page."""
    rows = []
    if any(history.glob("*.parquet")):
        with duckdb.connect() as con:
            rows = con.execute(_INDEX_SQL, [str(history / "*.parquet")]).fetchall()
    body, current, latest = [], None, []
    for suite, asset, run, start, end, page, at, n, broken, errors, warnings, passed in rows:
        if suite != current:
            if current is not None:
                body.append("</tbody></table>")
            current = suite
            body.append(
                f'<h2 class="h5 mt-4" id="{html.escape(suite)}">{html.escape(suite)} '
                f'<small class="text-muted">{html.escape(asset)}</small></h2>'
                '<table class="table table-sm table-striped"><thead><tr><th>validated (UTC)</th>'
                "<th>partitions</th><th>verdict</th><th>rows</th><th>run</th></tr></thead><tbody>"
            )
        verdict, css = (
            ("could not run", "danger")
            if broken
            else ("failed", "danger")
            if errors
            else ("warnings", "warning")
            if warnings
            else ("passed", "success")
        )
        span = str(start) if start == end else f"{start} .. {end}"
        link = _relative_link(site, page)
        cell = f'<a href="{link}">{verdict}</a>' if link else verdict
        if not latest or latest[-1][0] != suite:
            latest.append((suite, asset, at, span, css, cell))
        body.append(
            f"<tr><td>{at:%Y-%m-%d %H:%M:%S}</td><td>{span}</td>"
            f'<td><span class="badge badge-{css}">{cell}</span> {passed} passed'
            f"{f', {errors} failed' if errors else ''}"
            f"{f', {warnings} warnings' if warnings else ''}</td>"
            f"<td>{n or 0:,}</td><td><code>{html.escape(run)}</code></td></tr>"
        )
    if current is not None:
        body.append("</tbody></table>")
    overview = [
        "<table class='table table-sm'><thead><tr><th>suite</th><th>asset</th><th>latest "
        "(UTC)</th><th>partitions</th><th>verdict</th></tr></thead><tbody>",
        *(
            f"<tr><td><a href='#{html.escape(suite)}'>{html.escape(suite)}</a></td>"
            f"<td>{html.escape(asset)}</td><td>{at:%Y-%m-%d %H:%M:%S}</td><td>{span}</td>"
            f"<td><span class='badge badge-{css}'>{cell}</span></td></tr>"
            for suite, asset, at, span, css, cell in latest
        ),
        "</tbody></table><h2 class='h4 mt-4'>History per suite</h2>",
    ]
    body = (overview if latest else []) + body
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Data Docs: csq quality gate</title>"
        f"<link rel='stylesheet' href='{VENDOR_URL}/css/bootstrap.min.css'>"
        "<style>.badge a{color:inherit;text-decoration:underline}</style></head>"
        "<body><div class='container-fluid py-3'><h1 class='h3'>Quality gate: every suite, "
        "every validation</h1><p class='text-muted'>Great Expectations results of every check "
        "step and run (latest first). A page per validated chunk of partitions; the "
        "expectation suites are under <a href='expectations/'>expectations/</a>.</p>"
        + ("".join(body) or "<p>No validation yet: run <code>csq run</code>.</p>")
        + "</div></body></html>"
    )
    site.mkdir(parents=True, exist_ok=True)
    _copy_vendor(site)
    index = site / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _relative_link(site: Path, page: str | None) -> str | None:
    if not page:
        return None
    try:
        return Path(page).relative_to(site).as_posix()
    except ValueError:
        return None
