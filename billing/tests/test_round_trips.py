"""A request's counters in one cache round trip: the minute's, the day's and its endpoint's together; the daily
quota, for a feature that has one, in a second one after the query is read."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache

from billing import counters

pytestmark = pytest.mark.django_db


def _spy():
    return mock.patch.object(counters, "hits", wraps=counters.hits)


def test_a_request_counts_its_limits_and_its_endpoint_in_one_round_trip(api, pro_user):
    api.as_user(pro_user)
    with _spy() as hits:
        answer = api.get("/api/v1/valuebets")
    assert answer.status_code == 200
    assert hits.call_count == 1
    keys = [key for key, _ in hits.call_args.args[0]]
    assert [key.split(":")[0] for key in keys] == ["rl", "rl", "ep"]
    assert int(answer["X-RateLimit-Remaining"]) == int(answer["X-RateLimit-Limit"]) - 1
    usage = api.get("/api/v1/billing/usage").json()
    assert {"endpoint": "GET /api/v1/valuebets", "calls": 1} in usage["endpoints"]


def test_a_feature_with_a_quota_counts_it_in_a_second_round_trip_once_the_query_is_read(api, free_user):
    api.as_user(free_user)
    with _spy() as hits:
        assert api.get("/api/v1/predictions/top3").status_code == 200
    assert hits.call_count == 2 and hits.call_args.args[0][0][0].startswith("quota:")
    with _spy() as hits:
        assert api.get("/api/v1/predictions/top3?date=nonsense").status_code == 400  # costs no quota
    assert hits.call_count == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI sets it)")
def test_on_redis_a_counter_lives_its_window_from_its_first_hit():
    key = "rl:test-ttl"
    assert counters.hits([(key, 61), (key, 61)]) == [1, 2]
    assert 59 <= cache.ttl(key) <= 61  # INCR kept the TTL SET ... NX gave it


def _redis_round_trips():
    """Count the commands (a pipeline is one) sent to Redis."""
    from redis.connection import AbstractConnection

    sent: list = []
    original = AbstractConnection.send_packed_command

    def send(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    return mock.patch.object(AbstractConnection, "send_packed_command", send), sent


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI sets it)")
def test_on_redis_a_cached_read_with_a_bearer_token_costs_one_round_trip(api, pro_user):
    api.as_user(pro_user)
    first = api.get("/api/v1/valuebets")  # computes, caches the answer; this process learns the plan
    assert first.status_code == 200
    patched, sent = _redis_round_trips()
    with patched:
        again = api.get("/api/v1/valuebets")
    assert again.status_code == 200 and again.content == first.content
    assert len(sent) == 1  # the snapshot, the counters and the cached answer together
    assert int(again["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1
    usage = api.get("/api/v1/billing/usage").json()
    assert {"endpoint": "GET /api/v1/valuebets", "calls": 2} in usage["endpoints"]


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI sets it)")
def test_on_redis_a_plan_changed_between_two_calls_is_the_one_the_second_is_answered_for(api, free_user):
    from billing.models import Plan
    from billing.services import subscription_plan_set

    api.as_user(free_user)
    assert api.get("/api/v1/courses/today").status_code == 200
    assert api.get("/api/v1/valuebets").status_code == 403
    subscription_plan_set(user=free_user, plan=Plan.objects.get(code="pro"))
    assert api.get("/api/v1/valuebets").status_code == 200  # read ahead for the free plan, answered for pro
    subscription_plan_set(user=free_user, plan=Plan.objects.get(code="free"))
    assert api.get("/api/v1/valuebets").status_code == 403


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI sets it)")
def test_on_redis_a_deactivated_user_is_refused_on_the_next_call_read_ahead_or_not(api, pro_user):
    api.as_user(pro_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    pro_user.is_active = False
    pro_user.save()
    assert api.get("/api/v1/valuebets").status_code == 401


def test_a_token_that_does_not_verify_is_refused_before_anything_is_counted_for_anyone(api, pro_user):
    token = api.as_user(pro_user)._credentials["HTTP_AUTHORIZATION"]
    api.credentials(HTTP_AUTHORIZATION=token[:-4] + "AAAA")  # the pro's token, its signature broken
    with _spy() as hits:
        assert api.get("/api/v1/valuebets").status_code == 401
    assert hits.call_count == 0
    api.credentials(HTTP_AUTHORIZATION=token)
    answer = api.get("/api/v1/valuebets")
    assert int(answer["X-RateLimit-Remaining"]) == int(answer["X-RateLimit-Limit"]) - 1
