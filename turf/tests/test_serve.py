"""`make run`'s supervisor, started for real (``python -m turf.serve``, as the Makefile execs it) on a free
loopback port: it serves the API and the static files, and a SIGTERM to it stops every process it started.

Each test starts the real processes (honcho, gunicorn and its workers, Celery beat; with PostgreSQL and Redis, the
Celery worker too), so each is bounded: START_TIMEOUT to answer, STOP_TIMEOUT to be gone.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

START_TIMEOUT = 45.0
# honcho sends SIGTERM, then SIGKILL to what is left after 5 seconds.
STOP_TIMEOUT = 15.0
ADMIN_CSS = "/static/admin/css/base.css"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, session id, state) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[3]), fields[0])
    return table


def descendants(root: int) -> set[int]:
    table = process_table()
    found, frontier = set(), {root}
    while frontier:
        found |= frontier
        frontier = {pid for pid, (ppid, _, _) in table.items() if ppid in frontier} - found
    return found - {root}


def survivors(pids: set[int], sessions: set[int]) -> set[int]:
    """The processes among ``pids``, or in one of ``sessions``, that still run (a zombie has stopped)."""
    return {
        pid for pid, (_, sid, state) in process_table().items() if (pid in pids or sid in sessions) and state != "Z"
    }


def http_get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True
    )


class Supervisor:
    """``python -m turf.serve`` in a session of its own, its output collected by a thread."""

    def __init__(self, env: dict[str, str]):
        self.port = int(env["PORT"])
        self.lines: list[str] = []
        # The sessions of everything it started (honcho starts each process in a session of its own), kept
        # while it runs: once it has exited, what it left behind is no longer found from its pid.
        self.sessions: set[int] = set()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "turf.serve"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.sessions.add(self.proc.pid)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def children(self) -> set[int]:
        pids = descendants(self.proc.pid)
        table = process_table()
        self.sessions |= {table[pid][1] for pid in pids if pid in table}
        return pids

    def wait_for(self, what: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.children()
            assert self.proc.poll() is None, f"the supervisor exited ({self.proc.returncode}):\n{self.output}"
            try:
                if ready():
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.25)
        pytest.fail(f"{what}: not within {START_TIMEOUT:.0f} s\n{self.output}")

    def health(self) -> bool:
        return http_get(self.port, "/api/v1/health")[0] == 200

    def logged(self, process: str, text: str) -> Callable[[], bool]:
        return lambda: any(process in line and text in line for line in self.lines)

    def terminate_and_check_all_stop(self) -> None:
        """SIGTERM to the supervisor: it, and every process it started, are gone within STOP_TIMEOUT."""
        children = self.children()
        self.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and (self.proc.poll() is None or survivors(children, self.sessions)):
            time.sleep(0.2)
        left = survivors(children | {self.proc.pid}, self.sessions)
        assert not left, f"still running {STOP_TIMEOUT:.0f} s after SIGTERM: {sorted(left)}\n{self.output}"

    def kill_leftovers(self) -> None:
        """Whatever a failed test left running, its whole sessions, killed so that nothing outlives the suite."""
        if self.proc.poll() is None:
            self.children()
        for sid in self.sessions:
            with contextlib.suppress(OSError):
                os.killpg(sid, signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def supervise():
    started: list[Supervisor] = []

    def start(env: dict[str, str]) -> Supervisor:
        started.append(Supervisor(env))
        return started[-1]

    yield start
    for supervisor in started:
        supervisor.kill_leftovers()


def embedded_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The embedded mode (without the DATABASE_URL and REDIS_URL that CI sets), its files under ``tmp``."""
    # Nor pytest's DJANGO_SETTINGS_MODULE: make run does not set it, and python -m turf.serve must start without it.
    unset = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    (tmp / "metrics").mkdir(mode=0o700, exist_ok=True)  # the commands run before serve.py write their metrics too
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"),
        STATIC_ROOT=str(tmp / "static"),
        HOST="127.0.0.1",
        PORT=str(free_port()),
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
        SECRET_KEY="test-serve-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory) -> Path:
    """An SQLite database migrated and the static files collected, as `make run` does before serving."""
    tmp = tmp_path_factory.mktemp("serve")
    env = embedded_env(tmp)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return tmp


@pytest.mark.parametrize("debug", [None, "true"])
def test_the_supervisor_serves_the_api_and_static_files_and_a_sigterm_stops_it_all(embedded_site, supervise, debug):
    supervisor = supervise(embedded_env(embedded_site, **({"DEBUG": debug} if debug else {})))
    supervisor.wait_for("/api/v1/health answering 200", supervisor.health)

    status, headers, body = http_get(supervisor.port, ADMIN_CSS, **{"Accept-Encoding": "gzip"})
    assert status == 200
    # WhiteNoise's headers; with DEBUG off (`make run`'s default) it sends the gzipped copy collectstatic wrote.
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers.get("Content-Encoding") == ("gzip" if debug is None else None)
    assert headers["Content-Type"].startswith("text/css")
    assert body
    if debug is None:
        assert "DEBUG off" in supervisor.output
        assert_served_without_debug_pages(supervisor.port)

    gunicorns = [pid for pid in supervisor.children() if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(gunicorns) == 3, supervisor.output  # the master and WEB_CONCURRENCY workers

    # /metrics adds up every process's counts (prometheus_client's multiprocess mode, in the directory serve.py
    # emptied at start): each worker that answers writes there, and the scrape counts each call whichever worker
    # answered it (which of the two takes a call is the kernel's choice: one may take them all).
    calls = 12
    for _ in range(calls):
        http_get(supervisor.port, "/api/v1/health/data-sources")
    status, headers, body = http_get(supervisor.port, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
    answered = sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "django_http_responses_total_by_status_view_method_total"
        and sample.labels["view"] == "health-data-sources"
    )
    assert answered == calls
    written = {path.stem.rsplit("_", 1)[-1] for path in (embedded_site / "metrics").glob("counter_*.db")}
    workers = {pid for pid in gunicorns if process_table()[pid][0] in gunicorns}
    assert written & {str(pid) for pid in workers}, (workers, written)  # (beat, which runs tasks, writes too)
    # The embedded mode runs beat beside the web server (eager Celery: beat runs the tasks), no worker.
    supervisor.wait_for("Celery beat started", supervisor.logged("beat.1", "beat: Starting..."))
    assert "worker.1" not in supervisor.output

    supervisor.terminate_and_check_all_stop()


def assert_served_without_debug_pages(port: int) -> None:
    """DEBUG off, as `make run` serves: the pages, Swagger UI and its static files work; an unknown page is the
    plain 404 page (no list of URL patterns), an unknown API path the envelope."""
    status, _, body = http_get(port, "/no-such-page")
    assert status == 404
    assert b"Page introuvable" in body and b"URLconf" not in body and b"URL patterns" not in body
    status, _, body = http_get(port, "/api/v1/no-such-endpoint")
    assert status == 404 and json.loads(body)["error"] == "not_found"
    status, _, body = http_get(port, "/login/")
    assert status == 200 and b"<form" in body
    status, _, body = http_get(port, "/api/v1/docs")
    assert status == 200 and b"swagger-ui" in body
    for src in re.findall(rb'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', body):
        assert http_get(port, src.decode())[0] == 200, src
    # A body over MAX_REQUEST_BYTES (1 MiB) sent chunked, without a Content-Length: gunicorn passes the stream,
    # the cap refuses it in the envelope.
    status, body = post_chunked(port, "/api/v1/auth/register", b'{"email": "' + b"x" * (1 << 20) + b'"}')
    assert status == 413 and json.loads(body)["error"] == "payload_too_large"


def post_chunked(port: int, path: str, data: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        with contextlib.suppress(OSError):  # the server may answer, and close, before the last bytes
            for start in range(0, len(data), 64 * 1024):
                piece = data[start : start + 64 * 1024]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_suite_serves_static_files_without_collectstatic(client):
    response = client.get(ADMIN_CSS)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.fixture
def own_postgres_database():
    """A PostgreSQL database of this test's own, on the server DATABASE_URL names (never that database)."""
    url = os.environ.get("DATABASE_URL", "")
    if not (url.startswith(("postgres://", "postgresql://")) and os.environ.get("REDIS_URL")):
        pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL, as .ci/run sets them")
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'turf'}_serve_{os.getpid()}"
    # Only to create and drop our own database, as createdb and Django's test runner do.
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_with_postgres_and_redis_it_runs_a_worker_and_beat_and_a_sigterm_stops_them_with_the_web_server(
    own_postgres_database, supervise, tmp_path
):
    env = embedded_env(tmp_path, DATABASE_URL=own_postgres_database, REDIS_URL=os.environ["REDIS_URL"])
    manage(env, "migrate", "--noinput")
    supervisor = supervise(env)
    supervisor.wait_for("/api/v1/health answering 200", supervisor.health)
    supervisor.wait_for("the Celery worker ready", supervisor.logged("worker.1", " ready."))
    supervisor.wait_for("Celery beat started", supervisor.logged("beat.1", "beat: Starting..."))
    assert "worker.1" in supervisor.output and "beat.1" in supervisor.output

    supervisor.terminate_and_check_all_stop()
