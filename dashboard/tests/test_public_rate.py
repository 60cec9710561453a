"""The pages' own request limit (``TURF_PAGE_RATE``), apart from the plan's API limits; a 429, page or API, names
the plan and when the limit resets."""

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import Plan
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import DAY, race_with

pytestmark = pytest.mark.django_db
CARD = "/races/R1C1/?date=2025-11-05"


@pytest.fixture
def card():
    race = race_with(final=(2.0, 3.5, 5.0))
    predictions_score(start=DAY, end=DAY, model_version=model_version_active())
    return race


def test_a_free_user_opens_the_same_race_card_30_times_in_a_minute(client, free_user, card):
    assert Plan.objects.get(code="free").requests_per_minute < 30  # the plan's API limit would refuse these
    client.force_login(free_user)
    answers = [client.get(CARD).status_code for _ in range(30)]
    assert answers == [200] * 30


def test_past_the_pages_limit_a_free_user_gets_a_429_naming_the_plan_and_the_reset(client, free_user, card, settings):
    settings.TURF_PAGE_RATE = {"minute": 30, "day": 1000}
    client.force_login(free_user)
    assert [client.get(CARD).status_code for _ in range(30)] == [200] * 30
    refused = client.get(CARD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests" in page and "30 views a minute per person" in page
    assert "You are on the Free plan." in page
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60 and f"in {wait} second" in page
    resets_at = refused.context["resets_at"]
    assert abs((resets_at - timezone.localtime()).total_seconds() - wait) <= 2
    assert f"It resets at {resets_at:%H:%M:%S}" in page
    assert "Upgrade to" not in page  # a higher plan does not lift the pages' limit


def test_a_visitor_is_limited_per_address(client, card, settings):
    settings.TURF_PAGE_RATE = {"minute": 3, "day": 1000}
    here, there = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "203.0.113.8"}
    assert [client.get(CARD, **here).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/", **here)  # the programme and the cards count together
    assert refused.status_code == 429 and "the limit counts per address" in refused.content.decode()
    assert client.get(CARD, **there).status_code == 200


def test_a_logged_in_user_counts_apart_from_their_address(client, free_user, card, settings):
    settings.TURF_PAGE_RATE = {"minute": 2, "day": 1000}
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(free_user)
    assert client.get("/").status_code == 200


def test_the_pages_daily_limit_resets_at_midnight(client, free_user, card, settings):
    settings.TURF_PAGE_RATE = {"minute": 100, "day": 2}
    client.force_login(free_user)
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/")
    assert "2 views a day per person" in refused.content.decode()
    midnight = timezone.localtime(refused.context["resets_at"])
    assert (midnight.hour, midnight.minute) == (0, 0) and midnight.date() == timezone.localdate() + dt.timedelta(days=1)


def test_the_pages_limit_spent_leaves_the_api_open(client, api, free_user, card, settings):
    settings.TURF_PAGE_RATE = {"minute": 1, "day": 1000}
    client.force_login(free_user)
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]
    assert api.as_user(free_user).get("/api/v1/courses/today").status_code == 200


def test_the_apis_429_names_the_plan_and_when_the_minute_resets(api, free_user):
    Plan.objects.filter(code="free").update(requests_per_minute=2)
    api.as_user(free_user)
    assert [api.get("/api/v1/auth/me").status_code for _ in range(2)] == [200, 200]
    refused = api.get("/api/v1/auth/me")
    body = refused.json()
    assert refused.status_code == 429 and body["error"] == "throttled"
    assert (body["plan"], body["limit"], body["period"]) == ("free", 2, "minute")
    wait = int(refused["Retry-After"])
    resets_at = dt.datetime.fromisoformat(body["resets_at"])
    assert 1 <= wait <= 60 and abs((resets_at - timezone.now()).total_seconds() - wait) <= 2
    assert body["message"].startswith("The Free plan allows 2 requests a minute; it resets in")
    assert f"at {timezone.localtime(resets_at):%H:%M:%S}" in body["message"]


def test_the_apis_daily_429_resets_at_midnight(api, premium_user):
    Plan.objects.filter(code="premium").update(requests_per_day=1)
    api.as_user(premium_user).get("/api/v1/auth/me")
    body = api.get("/api/v1/auth/me").json()
    assert (body["plan"], body["limit"], body["period"]) == ("premium", 1, "day")
    midnight = timezone.localtime(dt.datetime.fromisoformat(body["resets_at"]))
    assert (midnight.hour, midnight.minute) == (0, 0) and "The Premium plan allows 1 requests a day" in body["message"]


def test_an_anonymous_api_429_says_there_is_no_plan(api, settings):
    settings.API_RATE_ANON = {"minute": 1, "day": 100}
    api.get("/api/v1/health")
    refused = api.get("/api/v1/health")
    body = refused.json()
    assert refused.status_code == 429 and body["plan"] is None and body["period"] == "minute"
    assert body["message"].startswith("Without a plan (no token), an address may make 1 requests a minute")
    assert int(refused["Retry-After"]) >= 1
