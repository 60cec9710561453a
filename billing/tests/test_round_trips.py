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
