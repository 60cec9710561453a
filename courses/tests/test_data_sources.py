"""Freshness for operators and users: GET /api/v1/health/data-sources, and /api/v1/health degraded (not down) when
the configured feed is stale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import CheckKind, FeedSource, ScheduledCheck, Source

from .factories import make_race

pytestmark = pytest.mark.django_db

URL = "/api/v1/health/data-sources"


def minutes_ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


@pytest.fixture
def pmu(settings):
    settings.TURF_FEED = "pmu"
    settings.FEED_STALE_MINUTES = 20
    race = make_race(date=timezone.localdate(), source=Source.PMU)
    race.start_time = timezone.now() + dt.timedelta(minutes=30)
    race.save()
    return race


def sources(client) -> dict[str, dict]:
    response = client.get(URL)
    assert response.status_code == 200
    return {source["name"]: source for source in response.json()["sources"]}


def test_the_configured_feed_is_listed_even_before_its_first_fetch(client, settings):
    settings.TURF_FEED = "demo"
    make_race(date=timezone.localdate(), source=Source.DEMO)

    response = client.get(URL)

    body = response.json()
    assert response.status_code == 200  # public: no token
    assert body["feed"] == "demo" and body["version"] == "v1"
    assert body["sources"] == [
        {
            "name": "demo",
            "label": "Synthetic demo (generated)",
            "configured": True,
            "synthetic": True,
            "last_success_at": None,
            "last_error": None,
            "races_today": 1,
            "pending_checks": 0,
            "next_check_at": None,
            "stale": False,
            "stale_since": None,
        }
    ]


def test_every_source_read_is_listed_the_configured_one_first(client, pmu):
    FeedSource.objects.create(name=Source.DEMO, last_success_at=minutes_ago(600))
    FeedSource.objects.create(
        name=Source.PMU, last_success_at=minutes_ago(3), last_error_at=minutes_ago(8), last_error="PMU answered 503"
    )
    ScheduledCheck.objects.create(race=pmu, kind=CheckKind.ODDS, due_at=timezone.now() + dt.timedelta(minutes=1))

    body = client.get(URL).json()

    assert [s["name"] for s in body["sources"]] == ["pmu", "demo"]
    first, second = body["sources"]
    assert (first["configured"], first["synthetic"], second["configured"]) == (True, False, False)
    assert first["last_error"]["message"] == "PMU answered 503"
    assert dt.datetime.fromisoformat(first["last_error"]["at"]) < dt.datetime.fromisoformat(first["last_success_at"])
    assert (first["races_today"], first["pending_checks"], first["stale"]) == (1, 1, False)
    assert first["next_check_at"] is not None
    assert "secret" not in str(body).lower() and "http" not in str(body)


def test_a_feed_late_on_its_checks_is_stale_and_health_degraded(client, pmu):
    FeedSource.objects.create(name=Source.PMU, last_success_at=minutes_ago(60))
    due = ScheduledCheck.objects.create(race=pmu, kind=CheckKind.ODDS, due_at=minutes_ago(25))

    source = sources(client)["pmu"]
    health = client.get("/api/v1/health")

    assert source["stale"] is True
    assert dt.datetime.fromisoformat(source["stale_since"]) == due.due_at
    assert health.status_code == 200  # degraded, not down
    body = health.json()
    assert (body["status"], body["data_sources"], body["database"]) == ("degraded", "stale", "ok")
    assert "pmu feed is late" in body["problems"][0] and URL in body["problems"][0]


def test_a_check_done_after_it_was_due_but_failing_keeps_it_stale(client, pmu):
    FeedSource.objects.create(name=Source.PMU, last_success_at=minutes_ago(60), last_error_at=minutes_ago(2))
    ScheduledCheck.objects.create(
        race=pmu, kind=CheckKind.RESULTS, due_at=minutes_ago(30), done_at=minutes_ago(28), attempts=3
    )
    assert sources(client)["pmu"]["stale"] is True


def test_a_success_since_the_checks_were_due_is_fresh(client, pmu):
    FeedSource.objects.create(name=Source.PMU, last_success_at=minutes_ago(1))
    ScheduledCheck.objects.create(race=pmu, kind=CheckKind.ODDS, due_at=minutes_ago(25))

    assert sources(client)["pmu"]["stale"] is False
    body = client.get("/api/v1/health").json()
    assert (body["status"], body["data_sources"], body["problems"]) == ("ok", "ok", [])


@pytest.mark.parametrize(
    "check",
    [
        {"kind": CheckKind.ODDS, "due_at": 10},  # due, but not for FEED_STALE_MINUTES yet
        {"kind": CheckKind.OFF, "due_at": 30},  # the off reads no feed
        {"kind": CheckKind.ODDS, "due_at": 30, "done": True},  # skipped (superseded), the feed never asked
        {"kind": CheckKind.ODDS, "due_at": 60 * 30},  # a day ago and more: history
    ],
)
def test_what_does_not_make_a_feed_stale(client, pmu, check):
    FeedSource.objects.create(name=Source.PMU, last_success_at=minutes_ago(60 * 40))
    ScheduledCheck.objects.create(
        race=pmu,
        kind=check["kind"],
        due_at=minutes_ago(check["due_at"]),
        done_at=minutes_ago(1) if check.get("done") else None,
    )
    assert sources(client)["pmu"]["stale"] is False
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_a_source_that_is_not_configured_is_never_stale(client, pmu):
    demo = make_race(date=timezone.localdate(), reunion=2, source=Source.DEMO)
    FeedSource.objects.create(name=Source.DEMO, last_success_at=minutes_ago(600))
    ScheduledCheck.objects.create(race=demo, kind=CheckKind.ODDS, due_at=minutes_ago(60))

    assert sources(client)["demo"]["stale"] is False


def test_with_the_feed_off_health_says_so(client, settings):
    settings.TURF_FEED = "off"

    listed = client.get(URL).json()
    assert (listed["feed"], listed["sources"]) == ("off", [])
    body = client.get("/api/v1/health").json()
    assert (body["status"], body["data_sources"]) == ("ok", "off")


def test_a_failing_health_check_is_reported_not_raised(client, settings):
    settings.TURF_HEALTH_CHECKS = ["courses.health.no_such_check"]

    body = client.get("/api/v1/health").json()

    assert body["status"] == "degraded"
    assert body["no_such_check"] == "unknown"
