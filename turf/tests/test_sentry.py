"""Errors reach Sentry when SENTRY_DSN is set, tagged with the request id, without the caller's secrets; with no
DSN nothing starts. The receiver is a tiny HTTP server on the loopback standing in for Sentry."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.conf import settings

from turf.sentry import sentry_init

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-Secret-pass!"
TOKEN = "eyJ-bearer-secret-token"
API_KEY = "tk_live_secret_api_key"
SESSION = "session-cookie-secret"


class Receiver(BaseHTTPRequestHandler):
    """Sentry's envelope endpoint: keeps each request's raw body (ungzipped) and answers 200."""

    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = sentry_init(
        dsn=f"http://publickey@127.0.0.1:{server.server_port}/42",
        environment="test",
        release="turf@test",
        traces_sample_rate=0,
    )
    assert started
    yield server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init()  # no DSN: the rest of the suite reports nothing
    server.shutdown()


def events(server) -> list[dict]:
    """The error events among the envelopes received (an envelope: a header line, then item header / payload)."""
    sentry_sdk.flush(timeout=5)
    found = []
    for body in server.received:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_unhandled_error_in_a_view_reaches_sentry_once_with_the_request_id_and_no_secrets(sentry, api, monkeypatch):
    from accounts.views import auth

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in the log-in")

    monkeypatch.setattr(auth, "authenticate", broken)
    api.cookies["sessionid"] = SESSION
    response = api.post(
        "/api/v1/auth/login",
        {"email": "alice@turf.test", "password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_X_API_KEY=API_KEY,
    )
    assert response.status_code == 500 and response.json()["error"] == "server_error"

    received = events(sentry)
    assert len(received) == 1, received
    event = received[0]
    assert event["tags"]["request_id"] == response["X-Request-ID"] == response.json()["request_id"]
    assert event["environment"] == "test" and event["release"] == "turf@test"
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    raw = b"".join(sentry.received).decode()
    for secret in (PASSWORD, TOKEN, API_KEY, SESSION):
        assert secret not in raw
    request = event.get("request", {})
    assert not request.get("data") and not request.get("cookies")  # no body, no cookies, whatever their names


def test_a_handled_error_answer_sends_nothing(sentry, api):
    assert api.get("/api/v1/nope").status_code == 404
    assert api.post("/api/v1/auth/login", {}, format="json").status_code == 400
    assert events(sentry) == []


def _active_in_a_fresh_process(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    code = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "turf.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_without_a_dsn_nothing_is_initialised_and_with_one_it_is():
    assert sentry_init(dsn="", environment="x", release="", traces_sample_rate=0) is False
    assert _active_in_a_fresh_process() == "False"
    # A port nothing listens on: initialising sends nothing until an error happens.
    assert _active_in_a_fresh_process(SENTRY_DSN="http://publickey@127.0.0.1:9/1") == "True"
