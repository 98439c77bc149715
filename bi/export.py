"""Write the dashboards of a running Superset back to ``bi/assets`` (the reviewed YAML).

The way to change a dashboard: ``make bi``, edit it in the UI, then (in another shell)
``bi/.venv/bin/python bi/export.py`` with the same ``CSQ_BI_USER`` / ``CSQ_BI_PASSWORD``;
``git diff bi/assets`` is the change to review. The database's path on this machine is
replaced by the placeholder ``bi/serve.py`` fills in at import, and the export's timestamp is
dropped, so an unchanged dashboard exports to an unchanged file.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from pathlib import Path

import yaml
from serve import ASSETS, PLACEHOLDER, published_db

# dashboard metadata the browser writes from the data it last showed (series names seen,
# the palette it used): not part of the design, and it would change with every month
VIEW_STATE = ("shared_label_colors", "map_label_colors", "color_scheme_domain")


class Session:
    """A logged-in REST session (bearer token and CSRF token)."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.headers = {"Content-Type": "application/json", "Referer": base}
        login = {"username": user, "password": password, "provider": "db", "refresh": True}
        token = json.loads(self.request("/api/v1/security/login", login))["access_token"]
        self.headers["Authorization"] = f"Bearer {token}"
        self.headers["X-CSRFToken"] = json.loads(self.request("/api/v1/security/csrf_token/"))[
            "result"
        ]

    def request(self, path: str, body: object = None) -> bytes:
        """GET ``path``, or POST ``body`` as JSON to it; the response body."""
        data = None if body is None else json.dumps(body).encode()
        method = "GET" if body is None else "POST"
        request = urllib.request.Request(self.base + path, data, self.headers, method=method)
        with self.opener.open(request, timeout=120) as response:
            return response.read()


def _stable(relative: Path, taken: list[str]) -> Path:
    """``charts/Calls_offered_12.yaml`` -> ``charts/Calls_offered.yaml``: the numeric id is
    the exporting instance's, so it would change on every machine (kept on a name clash)."""
    stem, sep, tail = relative.stem.rpartition("_")
    if not (sep and tail.isdigit()):
        return relative
    stable = relative.with_name(f"{stem}{relative.suffix}")
    return relative if stable.as_posix() in taken else stable


def without_view_state(text: str) -> str:
    """A dashboard's YAML without ``VIEW_STATE`` (dumped as Superset's export dumps it)."""
    dashboard = yaml.safe_load(text)
    for key in VIEW_STATE:
        dashboard.get("metadata", {}).pop(key, None)
    return yaml.safe_dump(dashboard, sort_keys=False)


def export(session: Session, published: str, out: Path) -> list[str]:
    """Every dashboard (with its charts, datasets and database) into ``out``; the files."""
    listing = json.loads(session.request("/api/v1/dashboard/?q=(page_size:100)"))["result"]
    ids = ",".join(str(d["id"]) for d in listing)
    bundle = zipfile.ZipFile(io.BytesIO(session.request(f"/api/v1/dashboard/export/?q=!({ids})")))
    shutil.rmtree(out, ignore_errors=True)
    written: list[str] = []
    for name in sorted(bundle.namelist()):
        relative = _stable(Path(*Path(name).parts[1:]), written)  # no dated root folder
        text = bundle.read(name).decode("utf-8").replace(published, PLACEHOLDER)
        if relative.name == "metadata.yaml":
            text = "".join(
                line for line in text.splitlines(True) if not line.startswith("timestamp")
            )
        elif relative.parts[0] == "dashboards":
            text = without_view_state(text)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative.as_posix())
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    port = os.environ.get("CSQ_BI_PORT", "8088")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args(argv)
    password = os.environ.get("CSQ_BI_PASSWORD")
    if not password:
        print("Set CSQ_BI_PASSWORD (and CSQ_BI_USER) to the Superset login.", file=sys.stderr)
        return 2
    session = Session(args.url, os.environ.get("CSQ_BI_USER") or "admin", password)
    files = export(session, str(published_db()), args.out)
    print(f"{len(files)} files written to {args.out}; review with `git diff {args.out}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
