"""Redis does not answer: the limits and the cache degrade as the README says ("When Redis does not answer"), and
nothing answers 500. The cache is pointed at a port nobody listens on, with short socket timeouts."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings

from turf import cache as turf_cache

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def redis_down():
    turf_cache._last_logged.clear()  # each test sees its own first warning
    with override_settings(CACHES=DEAD_REDIS):
        yield


def test_subscribers_are_served_with_their_limits_failing_open(api, pro_user, redis_down, caplog):
    api.as_user(pro_user)
    with caplog.at_level(logging.WARNING, logger="turf.cache"):
        for url in ["/api/v1/courses/today", "/api/v1/valuebets", "/api/v1/predictions/all", "/api/v1/auth/me"]:
            answer = api.get(url)
            assert answer.status_code == 200, (url, answer.content)
            assert answer["X-RateLimit-Remaining"] == answer["X-RateLimit-Limit"]  # nothing could be counted
    warnings = [r.getMessage() for r in caplog.records if r.name == "turf.cache"]
    assert any("counters" in w for w in warnings)
    assert len(warnings) == len({w.split(":")[0] for w in warnings})  # once a minute per kind, not per request


def test_a_subscribers_call_asks_the_cache_that_does_not_answer_once(api, pro_user, redis_down):
    from redis.connection import AbstractConnection

    api.as_user(pro_user)
    connect = AbstractConnection.connect
    with mock.patch.object(AbstractConnection, "connect", autospec=True, side_effect=connect) as tries:
        assert api.get("/api/v1/valuebets").status_code == 200
    assert tries.call_count == 1  # the read-ahead's: the snapshot, the counters and the answer then skip the cache


def test_a_daily_quota_fails_open(api, free_user, redis_down):
    api.as_user(free_user)
    assert api.get("/api/v1/predictions/top3").status_code == 200
    assert api.get("/api/v1/predictions/top3").status_code == 200  # one a day, but nothing could count it


def test_a_refused_plan_is_still_refused(api, free_user, redis_down):
    answer = api.as_user(free_user).get("/api/v1/valuebets")
    assert answer.status_code == 403 and answer.json()["error"] == "plan_required"


def test_a_deactivated_user_is_still_refused(api, free_user, redis_down):
    api.as_user(free_user)
    free_user.is_active = False
    free_user.save()  # the snapshot's version cannot be bumped: the snapshot is read from the database
    assert api.get("/api/v1/courses/today").status_code == 401


def test_anonymous_endpoints_answer(api, redis_down):
    assert api.get("/api/v1/schema").status_code == 200
    assert api.get("/api/v1/health").status_code != 500


def test_the_log_in_fails_closed_and_says_so(api, free_user, redis_down):
    answer = api.post("/api/v1/auth/login", {"email": free_user.email, "password": "s3cret-Pass!"}, format="json")
    assert answer.status_code == 503 and answer.json()["error"] == "rate_limit_unavailable"


def test_a_forgotten_password_mails_nothing_it_cannot_count(api, free_user, redis_down):
    answer = api.post("/api/v1/auth/password/forgot", {"email": free_user.email}, format="json")
    assert answer.status_code in (200, 503) and mail.outbox == []


def test_the_dashboard_log_in_refuses_cleanly(client, free_user, redis_down):
    assert client.get("/login/").status_code == 200
    answer = client.post("/login/", {"username": free_user.email, "password": "s3cret-Pass!"})
    assert answer.status_code == 503
    assert b"unavailable for a moment" in answer.content


def test_the_usage_pages_show_what_they_can(api, pro_user, redis_down):
    answer = api.as_user(pro_user).get("/api/v1/billing/usage")
    assert answer.status_code == 200 and answer.json()["endpoints"] == []


def test_the_pages_of_a_logged_in_subscriber_answer(client, pro_user, redis_down):
    client.force_login(pro_user)
    for url in ["/", "/value-bets/", "/account/"]:
        assert client.get(url).status_code == 200, url
