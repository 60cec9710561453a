"""A user's report can be found: the request id in the answer's header, in the error envelope and on every log
line of the request (JSON, as LOG_FORMAT=json writes it); a Celery task's lines carry its task id."""

from __future__ import annotations

import io
import json
import logging
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from turf.logs import ContextFilter

pytestmark = pytest.mark.django_db


def formatter(name: str) -> logging.Formatter:
    """The formatter settings.LOGGING configures under ``name``, built from the same entry."""
    config = dict(settings.LOGGING["formatters"][name])
    return import_string(config.pop("()"))(**config)


@pytest.fixture
def log_lines():
    """What the console handler would print, as LOG_FORMAT=json (or plain: ``log_lines.use("plain")``)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    lines = SimpleNamespace(
        text=lambda: stream.getvalue(),
        json=lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")],
        use=lambda name: handler.setFormatter(formatter(name)),
    )
    yield lines
    root.removeHandler(handler)


def test_an_errors_log_line_is_json_with_the_request_id_of_its_header_and_envelope(client, monkeypatch, log_lines):
    from turf import views

    def explode(*args, **kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(views, "_database_ok", explode)
    response = client.get("/api/v1/health")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert str(uuid.UUID(request_id)) == request_id  # none was sent: a fresh uuid4
    assert response.json()["request_id"] == request_id

    records = [line for line in log_lines.json() if line["logger"] == "turf.api"]
    assert len(records) == 1
    record = records[0]
    assert record["request_id"] == request_id
    assert record["level"] == "ERROR" and record["message"].startswith("Unhandled error in HealthView")
    assert "ZeroDivisionError" in record["exc_info"] and record["timestamp"]


def test_every_answer_carries_a_request_id_and_a_sane_incoming_one_is_kept(client, api):
    first, second = client.get("/api/v1/health"), client.get("/privacy/")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/api/v1/health", HTTP_X_REQUEST_ID="lb-3f2a-0001")["X-Request-ID"] == "lb-3f2a-0001"
    body = api.get("/api/v1/nope", HTTP_X_REQUEST_ID="lb-3f2a-0002").json()
    assert body["request_id"] == "lb-3f2a-0002"


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 65,  # too long
        "abc def",
        "id\r\nX-Injected: 1",
        '"},"level":"CRITICAL',
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "é-unicode",
        "id;DROP TABLE users",
    ],
)
def test_a_hostile_incoming_request_id_is_replaced(client, hostile, log_lines):
    logging.getLogger("turf.test").warning("inside")  # outside any request: no id
    response = client.get("/api/v1/nope", HTTP_X_REQUEST_ID=hostile)
    request_id = response["X-Request-ID"]
    assert request_id != hostile and str(uuid.UUID(request_id)) == request_id
    assert response.json()["request_id"] == request_id
    assert hostile not in log_lines.text()
    outside = next(line for line in log_lines.json() if line["logger"] == "turf.test")
    assert "request_id" not in outside


def test_the_plain_format_ends_the_line_with_the_request_id(client, log_lines):
    log_lines.use("plain")
    response = client.get("/api/v1/nope")  # Django logs the 404 as a warning
    lines = [line for line in log_lines.text().splitlines() if "Not Found" in line]
    assert lines and lines[0].endswith(f"[request_id={response['X-Request-ID']}]")


def test_a_celery_tasks_lines_carry_its_task_id_and_name(eager_celery, monkeypatch, log_lines):
    from predictions import tasks

    monkeypatch.setattr(
        tasks, "model_retrain", lambda until: {"version": "candidate-9", "promoted": False, "rerun_of": None}
    )
    result = tasks.retrain.delay()
    record = next(line for line in log_lines.json() if line["message"].startswith("retrain: candidate-9"))
    assert record["task_id"] == result.id
    assert record["task_name"] == "predictions.retrain"
    assert "request_id" not in record


def test_the_log_format_setting_refuses_anything_but_json_or_plain():
    import os
    import subprocess
    import sys

    env = {**os.environ, "LOG_FORMAT": "xml"}
    check = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert check.returncode != 0 and "LOG_FORMAT='xml'" in check.stderr
