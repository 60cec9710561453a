"""Object-level authorisation: another subscriber's bet, backtest job or API key answers 404, never the object.

Every route whose path carries a parameter is either in ``OWNED`` (an object one user owns, walked here with
a second user) or in ``PUBLIC`` (with why nobody owns what it names): a new route with an id in its path fails
``test_every_route_with_a_path_parameter_is_owned_or_public`` until it is placed, so none is left unchecked.
The intruder holds the pro plan, so that no plan gate answers before the object is looked up; every method is
tried (a 405 where the view has none), and the victim's object must be untouched afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services.api_keys import api_key_create
from alerts.models import Alert, Event, EventType, WatchlistEntry, WebhookDelivery, WebhookEndpoint
from billing.models import Plan, Subscription
from courses.models import RaceStatus
from predictions.tests.factories import race_with
from wagering.models import BacktestJob, UserBet
from wagering.services.bankroll import user_bet_create

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# route name -> (URL of the victim's object, the methods its view answers).
OWNED = {
    "alert-read": ("/api/v1/alerts/{alert}/read", {"POST"}),
    "auth-api-key": ("/api/v1/auth/api-keys/{key}", {"DELETE"}),
    "backtest-detail": ("/api/v1/backtests/{job}", {"GET"}),
    "backtest-bets": ("/api/v1/backtests/{job}/bets", {"GET"}),
    "bet-detail": ("/api/v1/bets/{bet}", {"DELETE"}),
    "watchlist-entry": ("/api/v1/watchlist/{entry}", {"DELETE"}),
    "dashboard:api-key-revoke": ("/account/api-keys/{key}/revoke/", {"POST"}),
    "dashboard:alert-read": ("/alerts/{alert}/read/", {"POST"}),
    "dashboard:backtest": ("/backtests/{job}/", {"GET"}),
    "dashboard:backtest-status": ("/backtests/{job}/status", {"GET"}),
    "dashboard:backtest-csv": ("/backtests/{job}/csv", {"GET"}),
    "dashboard:bet-delete": ("/bets/{bet}/delete/", {"POST"}),
    "webhook-detail": ("/api/v1/webhooks/{hook}", {"GET", "DELETE"}),
    "webhook-deliveries": ("/api/v1/webhooks/{hook}/deliveries", {"GET"}),
    "webhook-test": ("/api/v1/webhooks/{hook}/test", {"POST"}),
    "dashboard:webhook": ("/account/webhooks/{hook}/", {"GET"}),
    "dashboard:webhook-delete": ("/account/webhooks/{hook}/delete/", {"POST"}),
    "dashboard:webhook-test": ("/account/webhooks/{hook}/test/", {"POST"}),
}
# Routes whose parameter names something nobody owns.
PUBLIC = {
    "race-predictions": "a race of the public programme, by its address (R1C3)",
    "race-predictions-by-id": "a race of the public programme, by its id",
    "race-combinations": "a race of the public programme, by its address (R1C3): its combinations",
    "race-combinations-by-id": "a race of the public programme, by its id: its combinations",
    "model-version": "a version of the model registry, by its name: the same for every subscriber whose plan opens it",
    "dashboard:race": "a race of the public programme (the page)",
    "track-record-day": "a day of the public track record: the same for everyone, no login",
    "dashboard:track-record-day": "a day of the public track record (the page)",
    "dashboard:billing-checkout": "a plan on sale, by its code",
    "dashboard:horse": "a horse of the racing data and its form: the same for every subscriber",
    "dashboard:person": "a jockey or trainer of the racing data and their form: the same for every subscriber",
    "dashboard:password-reset": "a signed, expiring token of the reset mail; no id",
    "dashboard:unsubscribe": "a signed token of a marketing mail; no id",
}
# Lists of one's own objects: the victim's never show up in the intruder's.
LISTS = (
    "/api/v1/alerts",
    "/api/v1/bets",
    "/api/v1/backtests",
    "/api/v1/auth/api-keys",
    "/api/v1/auth/account/data",
    "/api/v1/webhooks",
)


def _routes(patterns, prefix: str = "", namespace: str = ""):
    """(name, route) of every URL pattern outside the admin."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from _routes(pattern.url_patterns, route, inner)
        else:
            yield f"{namespace}{pattern.name}", route


def test_every_route_with_a_path_parameter_is_owned_or_public():
    with_parameter = {name for name, route in _routes(get_resolver().url_patterns) if re.search(r"<[^>]+>", route)}
    assert not OWNED.keys() & PUBLIC.keys()
    assert with_parameter == OWNED.keys() | PUBLIC.keys(), (
        "place each route in OWNED (walked by the intruder below) or PUBLIC (say why): "
        f"{sorted(with_parameter ^ (OWNED.keys() | PUBLIC.keys()))}"
    )


@pytest.fixture
def victim(pro_user):
    """The pro subscriber's bet, backtest job, API key and webhook, each with something recognisable in it."""
    today = timezone.localdate()
    race = race_with(date=today, final=(3.0, 3.0, 3.0), status=RaceStatus.SCHEDULED)
    bet = user_bet_create(
        user=pro_user,
        race_id=race.pk,
        saddle_number=1,
        bet_type="simple_gagnant",
        stake=Decimal("17.43"),
        odds=Decimal(3),
    )
    job = BacktestJob.objects.create(
        owner=pro_user, start=today - dt.timedelta(days=30), end=today, params={"stake": "17.43"}
    )
    key = api_key_create(user=pro_user, name="victim-secret-script", address="127.0.0.1").api_key
    entry = WatchlistEntry.objects.create(user=pro_user, kind="horse", horse=race.runners.first().horse)
    event = Event.objects.create(
        type=EventType.RUNNER_DECLARED,
        key="runner.declared:victim",
        race=race,
        payload={"horse": "victim-secret-script"},
    )
    alert = Alert.objects.create(user=pro_user, event=event)
    hook = WebhookEndpoint.objects.create(
        user=pro_user, url="https://93.184.216.34/victim-secret-script", events=["race.result"], secret="whsec_v"
    )
    WebhookDelivery.objects.create(endpoint=hook, event_type="webhook.test", body="{}")
    return {"user": pro_user, "bet": bet, "job": job, "key": key, "alert": alert, "entry": entry, "hook": hook}


@pytest.fixture
def intruder(other_user):
    """A second subscriber on the pro plan: every feature, so that only ownership can refuse."""
    Subscription.objects.filter(user=other_user).update(plan=Plan.objects.get(code="pro"))
    other_user.refresh_from_db()
    return other_user


def _state(victim) -> tuple:
    """What the intruder must not change: the bet, the job, the key, the webhook and its deliveries, as stored."""
    bet = UserBet.objects.filter(pk=victim["bet"].pk).values().first()
    job = BacktestJob.objects.filter(pk=victim["job"].pk).values().first()
    key = ApiKey.objects.filter(pk=victim["key"].pk).values().first()
    entry = WatchlistEntry.objects.filter(pk=victim["entry"].pk).values().first()
    alert = Alert.objects.filter(pk=victim["alert"].pk).values().first()
    hook = WebhookEndpoint.objects.filter(pk=victim["hook"].pk).values().first()
    deliveries = list(WebhookDelivery.objects.filter(endpoint=victim["hook"]).values())
    return bet, job, key, entry, alert, hook, deliveries


@pytest.mark.parametrize("route", sorted(OWNED))
def test_another_users_object_answers_404_to_every_method(api, client, victim, intruder, route):
    url, answered = OWNED[route]
    url = url.format(**{name: victim[name].pk for name in ("bet", "job", "key", "entry", "alert", "hook")})
    before = _state(victim)
    api.as_user(intruder)
    client.force_login(intruder)
    for method in METHODS:
        sender = client if route.startswith("dashboard:") else api
        response = sender.generic(method, url, b"{}", content_type="application/json")
        expected = 404 if method in answered else 405
        assert response.status_code == expected, (method, url, response.status_code)
        assert b"victim-secret-script" not in response.content and b"17.43" not in response.content
        if sender is api:
            assert response.json()["error"] == ("not_found" if expected == 404 else "method_not_allowed")
    assert _state(victim) == before  # nothing of the victim's was deleted, revoked or changed


@pytest.mark.parametrize("route", sorted(OWNED))
def test_the_owner_reaches_the_same_object(api, client, victim, route):
    """The intruder's 404 is about ownership: the owner, at the same URL, is answered."""
    url, answered = OWNED[route]
    url = url.format(**{name: victim[name].pk for name in ("bet", "job", "key", "entry", "alert", "hook")})
    api.as_user(victim["user"])
    client.force_login(victim["user"])
    sender = client if route.startswith("dashboard:") else api
    for method in sorted(answered, key=lambda method: method == "DELETE"):  # a read before the delete
        response = sender.generic(method, url, b"{}", content_type="application/json")
        # the CSV of the owner's job, not finished: a 409 saying so (about the owner's own job)
        # a test event: queued, 202
        answers = (200, 204, 302, 409) if route == "dashboard:backtest-csv" else (200, 202, 204, 302)
        assert response.status_code in answers, (method, url, response.status_code)


@pytest.mark.parametrize("url", LISTS)
def test_the_intruders_lists_hold_none_of_the_victims_objects(api, victim, intruder, url):
    def marks(user) -> set[bytes]:
        response = api.as_user(user).get(url)
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return {mark for mark in (b"victim-secret-script", b"17.43", victim["user"].email.encode()) if mark in content}

    assert marks(victim["user"])  # the list shows its owner's objects: their absence below means something
    assert not marks(intruder)
