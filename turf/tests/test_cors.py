"""CORS closed by default: a browser script from another origin reads no API answer unless its origin is in
CORS_ALLOWED_ORIGINS, and never a page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db
APP = "https://app.example"
EVIL = "https://evil.example"


def preflight(client, url: str, origin: str, headers: str = "authorization"):
    return client.options(
        url,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_by_default_no_origin_is_allowed():
    env = {k: v for k, v in os.environ.items() if k != "CORS_ALLOWED_ORIGINS"}
    env["DJANGO_SETTINGS_MODULE"] = "turf.settings"
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_an_unlisted_origin_gets_no_allow_origin_on_a_request_nor_a_preflight(client):
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/health", HTTP_ORIGIN=EVIL)
    assert "Access-Control-Allow-Origin" not in preflight(client, "/api/v1/courses/today", EVIL)


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_a_listed_origin_reads_the_api_and_its_preflight_may_send_a_token_or_an_api_key(client, api, free_user):
    api.as_user(free_user)
    response = api.get("/api/v1/courses/today", HTTP_ORIGIN=APP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "origin" in response["Vary"].lower()  # caches keep one answer per origin
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {h for h in response.headers if h.startswith("X-RateLimit-")} <= exposed  # a script reads its limits
    assert "X-RateLimit-Remaining-Day" in exposed
    assert "Access-Control-Allow-Credentials" not in response  # no cookies cross

    answer = preflight(client, "/api/v1/courses/today", APP, "authorization, x-api-key, content-type")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == APP
    allowed = {h.strip() for h in answer["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-api-key", "content-type"} <= allowed
    assert "GET" in answer["Access-Control-Allow-Methods"]

    # Listing one origin opens it alone.
    assert "Access-Control-Allow-Origin" not in api.get("/api/v1/courses/today", HTTP_ORIGIN=EVIL)
    assert "Access-Control-Allow-Origin" not in preflight(client, "/api/v1/courses/today", EVIL)


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_the_pages_are_never_shared_even_with_a_listed_origin(client, free_user):
    client.force_login(free_user)
    assert "Access-Control-Allow-Origin" not in client.get("/account/", HTTP_ORIGIN=APP)
    assert "Access-Control-Allow-Origin" not in preflight(client, "/login/", APP)
