"""The benchmarks' own database: a fresh PostgreSQL database on the server BENCH_DATABASE_URL names (default the
machine's, 127.0.0.1:5432), or SQLite in a temporary folder where PostgreSQL does not answer (or asked for)."""

from __future__ import annotations

import os
import tempfile

PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def bench_database_url(name: str, *, sqlite: bool = False) -> str:
    """A DATABASE_URL for a fresh database ``name`` (dropped and created again on PostgreSQL)."""
    if not sqlite:
        try:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            return f"{PG_SERVER}/{name}"
        except Exception as exc:  # no PostgreSQL here: SQLite
            print(f"PostgreSQL not available ({exc}); SQLite instead")
    return f"sqlite:///{tempfile.mkdtemp(prefix=f'{name}-')}/bench.sqlite3"


def in_bench_database(script: str, name: str, *, sqlite: bool, env: dict[str, str] | None = None) -> None:
    """Run ``script`` again (``--child`` and this run's arguments) in a fresh, migrated database ``name``, with the
    project's settings and ``env`` added (a value of None removes that variable), and exit with its status."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    child_env = {**os.environ, "DATABASE_URL": bench_database_url(name, sqlite=sqlite)}
    child_env["DJANGO_SETTINGS_MODULE"] = "turf.settings"
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = value
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=root, env=child_env, check=True
    )
    sys.exit(subprocess.run([sys.executable, script, "--child", *sys.argv[1:]], cwd=root, env=child_env).returncode)
