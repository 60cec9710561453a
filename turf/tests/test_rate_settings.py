"""Rate limits are settings read from the environment; the client's address comes from trusted proxies only."""

import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from turf.settings import env_rate

pytestmark = pytest.mark.django_db
SETTINGS = "turf/settings.py"


def test_the_defaults_are_todays_limits(settings):
    assert settings.API_RATE_ANON == {"minute": 30, "day": 2000}
    assert settings.API_RATE_AUTH == {"minute": 30, "day": 2000}
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


@pytest.mark.parametrize("value", ["10/minute,500/day", " 500/day , 10/minute "])
def test_a_limit_is_read_from_the_environment(monkeypatch, value):
    monkeypatch.setenv("API_RATE_AUTH", value)
    assert env_rate("API_RATE_AUTH", "30/minute,2000/day") == {"minute": 10, "day": 500}


@pytest.mark.parametrize(
    "name, value",
    [
        ("API_RATE_ANON", "30"),
        ("API_RATE_ANON", "30/minute"),
        ("API_RATE_ANON", "30/hour,2000/day"),
        ("API_RATE_AUTH", "30/minute,30/minute"),
        ("API_RATE_AUTH", "x/minute,10/day"),
        ("API_RATE_AUTH", "0/minute,10/day"),
        ("NUM_PROXIES", "-1"),
        ("NUM_PROXIES", "one"),
    ],
)
def test_a_malformed_value_refuses_to_start_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_path(SETTINGS)


def test_the_anonymous_and_auth_limits_come_from_the_settings(api, settings):
    settings.API_RATE_ANON = {"minute": 2, "day": 100}
    answers = [api.get("/api/v1/health") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0]["X-RateLimit-Limit"] == "2" and answers[0]["X-RateLimit-Limit-Day"] == "100"
    # The auth endpoints count apart, against their own limits.
    settings.API_RATE_AUTH = {"minute": 1, "day": 100}
    login = api.post("/api/v1/auth/login", {"email": "a@turf.test", "password": "x"}, format="json")
    assert login.status_code == 401 and login["X-RateLimit-Limit"] == "1"
    assert api.post("/api/v1/auth/refresh", {"refresh_token": "x"}, format="json").status_code == 429


def health_from(api, forwarded: str | None, remote: str = "192.0.2.10") -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return api.get("/api/v1/health", **extra).status_code


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api, settings):
    settings.API_RATE_ANON = {"minute": 1, "day": 100}
    assert health_from(api, "203.0.113.1") == 200
    assert health_from(api, "203.0.113.2") == 429  # a new header is not a new address


@pytest.mark.parametrize(
    "proxies, first, second, spoofed",
    [
        # behind one proxy, the address it appended (the last) is the client's; what comes before, anyone wrote
        (1, "203.0.113.1", "203.0.113.2", "198.51.100.9, 203.0.113.1"),
        # behind two, the one the outer proxy appended (the last but one)
        (2, "203.0.113.1, 10.0.0.2", "203.0.113.2, 10.0.0.2", "198.51.100.9, 203.0.113.1, 10.0.0.2"),
    ],
)
def test_x_forwarded_for_is_honoured_for_exactly_num_proxies_hops(api, settings, proxies, first, second, spoofed):
    settings.API_RATE_ANON = {"minute": 1, "day": 100}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    assert health_from(api, first) == 200
    assert health_from(api, second) == 200  # another client behind the same proxy
    assert health_from(api, spoofed) == 429  # the first client again, whatever it put in front
