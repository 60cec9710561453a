"""Request bodies capped at MAX_REQUEST_BYTES: a bigger one answers 413 (the envelope's `payload_too_large` under
/api/, a plain page elsewhere) before any of it is read, and nothing is stored."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.test.client import FakePayload

from .test_envelope import assert_envelope

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register"
LIMIT = 4096


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.MAX_REQUEST_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def sign_up(padding: int = 0) -> dict:
    return {
        "email": "newcomer@turf.test",
        "password": "Correct-Horse-42!",
        "accept_privacy": True,
        "adult": True,
        "full_name": "N" * padding,
    }


def no_account_created() -> bool:
    return not get_user_model().objects.filter(email="newcomer@turf.test").exists()


def test_an_api_body_over_the_limit_is_payload_too_large_and_nothing_is_stored(api):
    response = api.post(REGISTER, sign_up(padding=LIMIT), format="json")
    body = assert_envelope(response, 413, "payload_too_large")
    assert str(LIMIT) in body["message"]
    assert response["Connection"] == "close"
    assert no_account_created()


def test_a_page_form_over_the_limit_is_the_plain_413_page_and_nothing_is_stored(client):
    form = {**sign_up(padding=LIMIT), "password_again": "Correct-Horse-42!"}
    response = client.post("/signup/", form)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Request too large" in response.content.decode()
    assert no_account_created()


@pytest.mark.parametrize(
    ("headers", "title"),
    [
        ({}, "Requête trop volumineuse"),  # French by default
        ({"Accept-Language": "en"}, "Request too large"),
        ({"Accept-Language": "en", "Cookie": "django_language=fr"}, "Requête trop volumineuse"),  # the chosen one
    ],
)
def test_the_413_page_is_in_the_visitors_language_whatever_the_request_before(headers, title):
    from django.test import Client
    from django.utils import translation

    form = {**sign_up(padding=LIMIT), "password_again": "Correct-Horse-42!"}
    for active in ("fr", "en"):  # what an earlier request of the same thread left active does not count
        with translation.override(active):
            response = Client(headers=headers).post("/signup/", form)
        assert response.status_code == 413
        assert f"<title>{title} · Turf</title>" in response.content.decode()
    assert no_account_created()


def test_a_body_under_the_limit_is_served(api):
    assert api.post(REGISTER, sign_up(padding=100), format="json").status_code == 201


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(client):
    # The header announces more than the limit; what follows is never read.
    payload = FakePayload(json.dumps(sign_up()).encode())
    response = client.generic(
        "POST", REGISTER, content_type="application/json", CONTENT_LENGTH=str(LIMIT + 1), **{"wsgi.input": payload}
    )
    assert_envelope(response, 413, "payload_too_large")
    assert no_account_created()


def chunked(client, url: str, data: bytes, content_type: str = "application/json"):
    """A body sent without Content-Length (Transfer-Encoding: chunked), the stream ended by the server at its end
    as gunicorn ends it (wsgi.input_terminated)."""
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=content_type,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True},  # ends where the body ends
    )


def test_a_chunked_body_over_the_limit_is_payload_too_large(client):
    response = chunked(client, REGISTER, json.dumps(sign_up(padding=LIMIT)).encode())
    assert_envelope(response, 413, "payload_too_large")
    assert no_account_created()


def test_a_chunked_body_under_the_limit_reaches_the_view(client):
    response = chunked(client, REGISTER, json.dumps(sign_up(padding=10)).encode())
    assert response.status_code == 201, response.content
    assert not no_account_created()


def test_a_body_read_past_djangos_own_limit_is_payload_too_large_not_a_server_error(api, settings):
    # Django's RequestDataTooBig (request.body over DATA_UPLOAD_MAX_MEMORY_SIZE), here in Stripe's webhook view.
    settings.MAX_REQUEST_BYTES = 10 * LIMIT
    response = api.post("/api/v1/billing/webhook", {"padding": "x" * 2 * LIMIT}, format="json")
    assert_envelope(response, 413, "payload_too_large")


def test_a_page_form_read_past_djangos_own_limit_is_the_413_page(client, settings):
    settings.MAX_REQUEST_BYTES = 10 * LIMIT
    response = client.post("/login/", {"username": "x" * 2 * LIMIT, "password": "y"})
    assert response.status_code == 413 and "Request too large" in response.content.decode()
