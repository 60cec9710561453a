"""PostgreSQL going away and coming back, for real: the web server (Django's WSGI handler in a thread, as gunicorn
runs it) talks to the test database through a cuttable TCP forwarder (``faults.CuttableProxy``)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from .faults import CuttableProxy, require

PASSWORD = "s3cret-Pass!"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _serve(server) -> None:
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        connections.close_all()  # this thread's connections, closed by the thread that opened them


# Committed rows the server's thread can see; serialized_rollback: the migrations' rows are back for the next tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site_through_proxy(django_db_setup):
    """A WSGI server whose database connections go through a proxy; yields (base URL, proxy)."""
    require(connection.vendor == "postgresql", "PostgreSQL")
    settings_dict = connection.settings_dict  # shared by every thread's connection to this alias
    before = settings_dict["HOST"], settings_dict["PORT"]
    proxy = CuttableProxy(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_Quiet)
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", proxy
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        proxy.stop()
        settings_dict["HOST"], settings_dict["PORT"] = before
        connection.close()


def _call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, raw, head = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, head = error.code, error.read(), error.headers
    text = raw.decode()
    return status, (json.loads(text) if head.get_content_type() == "application/json" else text), dict(head)


def test_the_api_answers_503_while_postgresql_is_away_and_recovers_by_itself(site_through_proxy, free_user):
    base, proxy = site_through_proxy
    login = {"email": free_user.email, "password": PASSWORD}
    assert _call(f"{base}/api/v1/health")[0] == 200
    assert _call(f"{base}/api/v1/auth/login", login)[0] == 200  # a connection is open and kept (CONN_MAX_AGE)

    proxy.cut()
    status, body, headers = _call(f"{base}/api/v1/health")
    assert status == 503
    assert body["status"] == "error" and body["error"] == "database_unavailable" and body["database"] == "unavailable"
    status, body, headers = _call(f"{base}/api/v1/auth/login", login)
    assert status == 503, body
    assert {key: body[key] for key in ("status", "code", "error")} == {
        "status": "error",
        "code": 503,
        "error": "database_unavailable",
    }
    assert "Try again" in body["message"]
    assert headers["Retry-After"]

    proxy.restore()  # no restart of anything: the next request reconnects
    assert _call(f"{base}/api/v1/health")[0] == 200
    status, body, _ = _call(f"{base}/api/v1/auth/login", login)
    assert status == 200 and body["access_token"]


def test_a_page_answers_a_plain_503_while_postgresql_is_away(site_through_proxy):
    base, proxy = site_through_proxy
    # A session cookie makes the page read the session (and the user) from the database.
    cookie = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345", "Accept": "text/html"}
    proxy.cut()
    status, body, headers = _call(f"{base}/", headers=cookie)
    assert status == 503 and "brièvement indisponible" in body and "Traceback" not in body  # French by default
    assert headers["Content-Type"].startswith("text/html")
    proxy.restore()
    status, body, _ = _call(f"{base}/login/", headers=cookie)
    assert status == 200 and "brièvement indisponible" not in body


@pytest.mark.parametrize("path, content_type", [("/api/v1/courses/today", "application/json"), ("/", "text/html")])
def test_a_database_error_a_middleware_raised_is_a_503_too(rf, path, content_type):
    """Django hands what a middleware raised to handler500: a database that went away is still a 503 there."""
    from django.db import OperationalError

    from turf.urls import handler500

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = handler500(rf.get(path))
    assert response.status_code == 503 and response["Content-Type"].startswith(content_type)
    assert response["Retry-After"]
    if content_type == "application/json":
        assert json.loads(response.content)["error"] == "database_unavailable"
