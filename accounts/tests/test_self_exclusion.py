"""Self-exclusion: asked for 1 day to 1 year, extended but never shortened or lifted, ends by itself; while it
lasts, the features that tell what to bet on answer 403 self_excluded, in the API and the pages alike."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import SelfExclusion
from accounts.services.self_exclusion import self_exclusion_active, when
from turf.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/self-exclusion"
DAY = {"date": "2025-11-05"}


def exclude(api, user, **body):
    return api.as_user(user).post(URL, body, format="json")


def test_a_user_excludes_themselves_for_a_number_of_days(api, premium_user):
    before = timezone.now()
    response = exclude(api, premium_user, days=7)
    assert response.status_code == 201
    ends_at = dt.datetime.fromisoformat(response.json()["ends_at"])
    assert dt.timedelta(days=7) <= ends_at - before < dt.timedelta(days=7, minutes=1)
    state = api.get(URL).json()
    assert state["active"]["ends_at"] == response.json()["ends_at"]
    assert [row["id"] for row in state["history"]] == [response.json()["id"]]
    (entry,) = AuditEntry.objects.filter(action=AuditAction.SELF_EXCLUDED)
    assert (entry.actor_id, entry.subject_id, entry.address) == (premium_user.pk, premium_user.pk, "127.0.0.1")
    assert entry.before == {"ends_at": None} and entry.after["asked"] == {"days": 7}
    assert dt.datetime.fromisoformat(entry.after["ends_at"]) == ends_at


def test_until_a_day_ends_as_that_day_begins_in_paris(api, free_user):
    until = timezone.localdate() + dt.timedelta(days=30)
    response = exclude(api, free_user, until=str(until))
    assert response.status_code == 201
    ends_at = timezone.localtime(dt.datetime.fromisoformat(response.json()["ends_at"]))
    assert (ends_at.date(), ends_at.hour, ends_at.minute) == (until, 0, 0)


def test_nothing_is_active_at_first(api, free_user):
    assert api.as_user(free_user).get(URL).json() == {"version": "v1", "active": None, "history": []}


@pytest.mark.parametrize(
    "body, starts",
    [
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"days": -1}, "days"),
        ({"days": "a week"}, "days"),
        ({"days": 1.5}, "days"),
        ({"until": "yesterday"}, "until"),
        ({"until": str(dt.date.today())}, "until"),
        ({"until": str(dt.date.today() + dt.timedelta(days=400))}, "until"),
        ({"days": 7, "until": str(dt.date.today() + dt.timedelta(days=7))}, "give either"),
        ({}, "give either"),
        ({"weeks": 2}, "weeks"),
    ],
)
def test_bad_periods_are_400s(api, free_user, body, starts):
    response = exclude(api, free_user, **body)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(starts) or starts in response.json()["message"]
    assert not SelfExclusion.objects.exists() and not AuditEntry.objects.exists()


def test_it_cannot_be_shortened_or_lifted_but_can_be_extended(api, free_user):
    first = exclude(api, free_user, days=30).json()
    shorter = exclude(api, free_user, days=7)
    assert shorter.status_code == 409 and shorter.json()["error"] == "conflict"
    assert "cannot be lifted or shortened" in shorter.json()["message"]
    assert when(dt.datetime.fromisoformat(first["ends_at"])) in shorter.json()["message"]
    assert exclude(api, free_user, days=29).status_code == 409
    assert api.delete(URL).status_code == 405
    longer = exclude(api, free_user, days=90)
    assert longer.status_code == 201
    assert api.get(URL).json()["active"]["id"] == longer.json()["id"]
    assert len(api.get(URL).json()["history"]) == 2
    entries = AuditEntry.objects.filter(action=AuditAction.SELF_EXCLUDED).order_by("id")
    assert [e.before["ends_at"] is None for e in entries] == [True, False]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/valuebets",
        "/api/v1/predictions/top3",
        "/api/v1/predictions/all",
        "/api/v1/courses/R1C1/predictions",
        "/api/v1/backtest?start=2025-11-01&end=2025-11-30",
        "/api/v1/export/csv?type=predictions",
    ],
)
def test_while_excluded_the_features_that_tell_what_to_bet_on_are_refused(api, pro_user, url):
    ends_at = dt.datetime.fromisoformat(exclude(api, pro_user, days=3).json()["ends_at"])
    response = api.as_user(pro_user).get(url)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "self_excluded"
    assert when(ends_at) in body["message"] and "09 74 75 13 13" in body["message"]


def test_a_plan_without_the_feature_is_not_told_to_upgrade_while_excluded(api, free_user):
    exclude(api, free_user, days=1)
    assert api.as_user(free_user).get("/api/v1/valuebets").json()["error"] == "self_excluded"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/courses/today",
        "/api/v1/metrics",
        "/api/v1/predictions/history",
        "/api/v1/bets",
        "/api/v1/bets/summary",
        "/api/v1/bets/limits",
        "/api/v1/auth/me",
        URL,
    ],
)
def test_the_programme_the_past_and_one_s_own_things_stay_open(api, pro_user, url):
    exclude(api, pro_user, days=3)
    assert api.as_user(pro_user).get(url).status_code == 200


def test_the_exclusion_ends_by_itself(api, premium_user):
    exclude(api, premium_user, days=1)
    assert api.as_user(premium_user).get("/api/v1/valuebets").status_code == 403
    later = timezone.now() + dt.timedelta(days=1, seconds=1)  # a day later: the clock moves, no row is written
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert self_exclusion_active(user=premium_user) is None
        assert api.as_user(premium_user).get("/api/v1/valuebets").status_code == 200
        state = api.get(URL).json()
        assert state["active"] is None and len(state["history"]) == 1
        assert exclude(api, premium_user, days=1).status_code == 201  # a new one may start


def test_another_user_s_exclusion_changes_nothing(api, premium_user, other_user):
    exclude(api, other_user, days=7)
    assert api.as_user(premium_user).get("/api/v1/valuebets").status_code == 200


@pytest.mark.parametrize("page", ["/value-bets/", "/picks/", "/races/R1C1/"])
def test_the_pages_refuse_too_naming_the_end_date_and_the_helpline(api, client, premium_user, page):
    ends_at = dt.datetime.fromisoformat(exclude(api, premium_user, days=7).json()["ends_at"])
    client.force_login(premium_user)
    response = client.get(page, DAY)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You excluded yourself" in html and when(ends_at) in html
    assert "09 74 75 13 13" in html and "Upgrade" not in html


def test_the_programme_page_stays_open(api, client, premium_user):
    exclude(api, premium_user, days=7)
    client.force_login(premium_user)
    assert client.get("/", DAY).status_code == 200
    assert client.get("/account/").status_code == 200


def test_anonymous_visitors_cannot_exclude_anyone(api):
    assert exclude(api, None, days=7).status_code == 401
    assert api.get(URL).status_code == 401
