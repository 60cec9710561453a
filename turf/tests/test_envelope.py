"""Every API error has one shape: {"status": "error", "message": ..., "code": <http status>, "error": <code>}."""

from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.django_db


def assert_envelope(response, code, error=None):
    assert response.status_code == code
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["version"] == "v1"
    if error is not None:
        assert body["error"] == error, body
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/courses/unknown/thing", "/api/v1/health/", "/api/v1/", "/api/v1/no%0Asuch"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_unknown_api_paths_answer_404_in_the_envelope_whatever_the_method(client, path, method):
    response = getattr(client, method)(path)
    body = assert_envelope(response, 404, "not_found")
    assert unquote(path) in body["message"]  # a newline too: schemathesis found it fell past the catch-all
    assert response["X-RateLimit-Remaining-Day"]  # counted, as any call


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_wrong_method_answers_405_in_the_envelope(client, method):
    body = assert_envelope(getattr(client, method)("/api/v1/health"), 405, "method_not_allowed")
    assert method.upper() in body["message"]


def test_an_unexpected_error_answers_500_without_leaking_the_trace(client, monkeypatch):
    from turf import views

    def explode(*args, **kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(views, "_database_ok", explode)
    body = assert_envelope(client.get("/api/v1/health"), 500, "server_error")
    assert "secret" not in body["message"] and "Traceback" not in body["message"]


def test_json_responses_carry_the_version(client):
    assert client.get("/api/v1/health").json()["version"] == "v1"


def test_the_openapi_schema_and_docs_are_public(client):
    schema = client.get("/api/v1/schema")
    assert schema.status_code == 200
    assert b"/api/v1/health" in schema.content
    assert client.get("/api/v1/docs").status_code == 200
