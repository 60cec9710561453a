"""Staff edit the racing data in the admin; nobody else reaches it; change lists cost fixed queries. What the live
feed wrote (its archive, the odds it saw) is read-only."""

import datetime as dt
import gzip
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import CheckKind, FeedResponse, FeedSource, OddsSnapshot, Race, ScheduledCheck

from .factories import make_race

pytestmark = pytest.mark.django_db

CHANGE_LISTS = [
    "/admin/courses/racecourse/",
    "/admin/courses/meeting/",
    "/admin/courses/race/",
    "/admin/courses/horse/",
    "/admin/courses/jockey/",
    "/admin/courses/trainer/",
    "/admin/courses/runner/",
    "/admin/courses/scheduledcheck/",
    "/admin/courses/feedsource/",
    "/admin/courses/feedresponse/",
    "/admin/courses/oddssnapshot/",
]


@pytest.mark.parametrize("url", CHANGE_LISTS)
def test_staff_see_every_change_list(client, staff, url):
    make_race()
    client.force_login(staff)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*CHANGE_LISTS, "/admin/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_subscriber_without_staff_status_cannot_use_the_admin(client, free_user):
    client.force_login(free_user)
    response = client.get("/admin/courses/race/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_edit_a_race_with_its_runners_inline(client, staff):
    race = make_race(runners=3)
    client.force_login(staff)
    page = client.get(f"/admin/courses/race/{race.pk}/change/")
    assert page.status_code == 200
    assert b"runners-TOTAL_FORMS" in page.content


def test_search_and_filters_answer(client, staff):
    make_race()
    client.force_login(staff)
    assert client.get("/admin/courses/race/", {"q": "Prix"}).status_code == 200
    assert client.get("/admin/courses/race/", {"discipline": "plat", "status": "scheduled"}).status_code == 200
    assert client.get("/admin/courses/meeting/", {"date__year": "2025"}).status_code == 200
    assert client.get("/admin/courses/horse/", {"q": "Horse"}).status_code == 200


@pytest.mark.parametrize("url", ["/admin/courses/race/", "/admin/courses/runner/", "/admin/courses/meeting/"])
def test_change_lists_do_not_query_per_row(client, staff, url):
    client.force_login(staff)
    make_race(reunion=1, course=1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for course in range(2, 12):
        make_race(reunion=1 + course % 3, course=course, code=f"C{course % 3}")
    assert Race.objects.count() == 11
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# -- the live feed: its schedule, its sources, what it archived and the odds it saw ---------------------------


def _live_rows():
    race = make_race(runners=2, source="pmu")
    now = timezone.now()
    for minutes in range(0, 30, 5):
        ScheduledCheck.objects.create(race=race, kind=CheckKind.ODDS, due_at=now - dt.timedelta(minutes=minutes))
    FeedSource.objects.create(name="pmu", last_success_at=now - dt.timedelta(hours=2), last_error="PMU answered 503")
    body = b'{"programme": "SECRET-BODY-CONTENT"}'
    FeedResponse.objects.create(
        source="pmu",
        url="https://example.invalid/programme/05112025",
        kind="programme",
        fetched_at=now,
        status_code=200,
        body=gzip.compress(body),
        size=len(body),
    )
    runner = race.runners.first()
    OddsSnapshot.objects.create(runner=runner, taken_at=now, odds=Decimal("4.5"), morning=True)
    return race


def test_staff_see_the_live_feed_pages(client, staff, settings):
    settings.TURF_FEED = "pmu"
    _live_rows()
    client.force_login(staff)

    checks = client.get("/admin/courses/scheduledcheck/").content.decode()
    sources = client.get("/admin/courses/feedsource/").content.decode()
    responses = client.get("/admin/courses/feedresponse/").content.decode()
    snapshots = client.get("/admin/courses/oddssnapshot/").content.decode()

    assert "R1C1" in checks and "odds" in checks
    assert "PMU answered 503" in sources and 'alt="True"' in sources  # configured, and stale: checks unanswered
    assert "programme" in responses and "SECRET-BODY-CONTENT" not in responses
    assert "4.5" in snapshots


def test_what_the_feed_wrote_is_read_only(client, staff):
    _live_rows()
    client.force_login(staff)
    response = FeedResponse.objects.get()
    snapshot = OddsSnapshot.objects.get()

    assert client.get("/admin/courses/feedresponse/add/").status_code == 403
    page = client.get(f"/admin/courses/feedresponse/{response.pk}/change/").content.decode()
    assert "SECRET-BODY-CONTENT" not in page and "https://example.invalid/programme/05112025" in page
    assert client.post(f"/admin/courses/oddssnapshot/{snapshot.pk}/change/", {"odds": "9"}).status_code == 403
    assert client.get("/admin/courses/feedsource/add/").status_code == 403


@pytest.mark.parametrize("url", ["/admin/courses/scheduledcheck/", "/admin/courses/oddssnapshot/"])
def test_live_change_lists_do_not_query_per_row(client, staff, url):
    client.force_login(staff)
    race = _live_rows()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for course in range(2, 8):
        other = make_race(course=course, runners=1, source="pmu")
        ScheduledCheck.objects.create(race=other, kind=CheckKind.OFF, due_at=timezone.now())
        OddsSnapshot.objects.create(
            runner=other.runners.get(), taken_at=timezone.now() - dt.timedelta(seconds=course), odds=Decimal("3")
        )
    assert race.pk
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
