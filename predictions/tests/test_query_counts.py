"""A constant number of SQL queries per request on the cached reads: the same with one race as with nine (the
count never grows with the races or their runners), and none at all once the answer is cached."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from predictions.services.scoring import predictions_score

from .factories import live_day, live_race

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/courses/today?date={day}",
    "/api/v1/courses/R1C1/predictions?date={day}",
    "/api/v1/courses/race/{race}/predictions",
    "/api/v1/predictions/top3?date={day}",
    "/api/v1/predictions/all?date={day}",
    "/api/v1/valuebets?date={day}",
    "/api/v1/metrics",
]


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(url)
    assert answer.status_code == 200, answer.content
    return len(queries)


@pytest.mark.parametrize("url", URLS)
def test_a_cached_read_costs_the_same_queries_for_one_race_as_for_many_and_none_once_cached(api, pro_user, url):
    day = live_day()
    race = live_race(final=[2.0, 4.0, 4.0, 8.0])
    predictions_score(start=day, end=day)
    url = url.format(day=day.isoformat(), race=race.pk)
    api.as_user(pro_user).get("/api/v1/auth/me")  # the user's snapshot cached, as after any earlier request
    one = _queries(api, url)
    assert _queries(api, url) == 0
    for course in range(2, 10):
        live_race(course=course, final=[2.0, 3.0, 5.0, 6.0, 9.0, 12.0][: 2 + course % 5])
    predictions_score(start=day, end=day)  # a rescore: the cached answer is stale
    assert _queries(api, url) == one
    assert _queries(api, url) == 0
