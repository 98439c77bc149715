"""``make bi``: set up Superset on the published marts and serve it on 127.0.0.1:8088.

Runs in Superset's own environment (``bi/.venv``, from ``bi/uv.lock``), which cannot import
the pipeline's packages: the few settings it needs are read here, with the same names and
defaults as ``orchestration/settings.py`` (``CSQ_HOME``, ``./.csq``).

1. refuse to start without ``$CSQ_HOME/published/marts.duckdb`` (say how to make one);
2. ``$CSQ_HOME/bi``: a secret key generated on first start, SQLite metadata, ``db upgrade``,
   ``init`` (roles and permissions; once per Superset version);
3. the admin user ``CSQ_BI_USER`` (default ``admin``) with ``CSQ_BI_PASSWORD``; unset, a random
   password is generated at creation and printed once (Superset keeps only its hash);
4. import the dashboards as code (``bi/assets``: Superset's export format, the database
   pointed at the published file, read-only), replacing what an earlier start imported;
5. serve with gunicorn on ``CSQ_BI_HOST:CSQ_BI_PORT`` (127.0.0.1:8088).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import secrets
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

BI_DIR = Path(__file__).resolve().parent
REPO = BI_DIR.parent
ASSETS = BI_DIR / "assets"
PLACEHOLDER = "__CSQ_PUBLISHED_DB__"
BIN = Path(sys.executable).parent


def _home() -> Path:
    return Path(os.environ.get("CSQ_HOME") or REPO / ".csq").expanduser().resolve()


def published_db() -> Path:
    """``$CSQ_HOME/published/marts.duckdb``, the file the dashboards read."""
    return _home() / "published" / "marts.duckdb"


def superset_env(bi_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CSQ_BI_HOME": str(bi_home),
        "SUPERSET_CONFIG_PATH": str(BI_DIR / "superset_config.py"),
        "SUPERSET_HOME": str(bi_home),
        "FLASK_APP": "superset",
        "PYTHONWARNINGS": "ignore",
    }


def superset(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "superset"), *args], env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"superset {' '.join(args)} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc


def ensure_secret(bi_home: Path) -> None:
    key = bi_home / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key.chmod(0o600)


def ensure_metadata(env: dict[str, str], bi_home: Path) -> None:
    superset(env, "db", "upgrade")
    stamp = bi_home / ".initialised"
    version = f"apache-superset {importlib.metadata.version('apache-superset')}"
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != version:
        superset(env, "init")
        stamp.write_text(version, encoding="utf-8")


def ensure_admin(env: dict[str, str], user: str, password: str | None) -> None:
    listed = superset(env, "fab", "list-users").stdout.splitlines()
    if any(line.startswith(f"username:{user} |") for line in listed):
        if password:
            superset(env, "fab", "reset-password", "--username", user, "--password", password)
        return
    chosen = password or secrets.token_urlsafe(12)
    superset(
        env,
        "fab",
        "create-admin",
        "--username",
        user,
        "--firstname",
        "csq",
        "--lastname",
        "admin",
        "--email",
        f"{user}@localhost",
        "--password",
        chosen,
    )
    if not password:
        print(
            f"Superset user {user!r} created with password {chosen!r} (printed once; "
            "set CSQ_BI_PASSWORD to choose it)",
            flush=True,
        )


def bundle(published: Path, out: Path) -> Path:
    """``bi/assets`` as an import ZIP, the database pointed at ``published``."""
    with zipfile.ZipFile(out, "w") as z:
        for path in sorted(ASSETS.rglob("*.yaml")):
            text = path.read_text(encoding="utf-8").replace(PLACEHOLDER, str(published))
            z.writestr(f"csq_dashboards/{path.relative_to(ASSETS).as_posix()}", text)
    return out


def import_dashboards(env: dict[str, str], published: Path, user: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        superset(
            env, "import-dashboards", "-p", str(bundle(published, Path(tmp) / "b.zip")), "-u", user
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("CSQ_BI_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CSQ_BI_PORT", "8088")))
    parser.add_argument("--setup-only", action="store_true", help="set up and import, no server")
    args = parser.parse_args(argv)
    home = _home()
    published = published_db()
    if not published.exists():
        print(
            f"No published marts at {published} yet: run `make demo` (or `csq run` on real "
            "deliveries) first, then `make bi`.",
            file=sys.stderr,
        )
        return 2
    bi_home = home / "bi"
    (bi_home / "data").mkdir(parents=True, exist_ok=True)
    ensure_secret(bi_home)
    env = superset_env(bi_home)
    user = os.environ.get("CSQ_BI_USER") or "admin"
    ensure_metadata(env, bi_home)
    ensure_admin(env, user, os.environ.get("CSQ_BI_PASSWORD") or None)
    import_dashboards(env, published, user)
    if args.setup_only:
        return 0
    print(
        f"Superset on http://{args.host}:{args.port}/ (user {user!r}); dashboards read "
        f"{published} read-only. Ctrl-C stops.",
        flush=True,
    )
    cmd = [
        str(BIN / "gunicorn"),
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        "1",
        "--threads",
        "8",
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "superset.app:create_app()",
    ]
    os.execve(cmd[0], cmd, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
