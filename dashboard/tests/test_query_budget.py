"""Every page a visitor opens runs a handful of SQL queries, whatever the data: one walk over every GET page, as a
pro subscriber with a race card, bets and a finished backtest (the pages showing the most), and anonymously."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert, Event, EventType, WebhookDelivery, WebhookEndpoint
from alerts.services.watchlist import watchlist_entry_create
from courses.models import Jockey, Runner
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import live_day, live_race
from wagering.services.bankroll import user_bet_create

from .test_pro_backtests import _done_job

pytestmark = pytest.mark.django_db

# What "a handful" means here: the gate (session, user, plan), the page's own reads, and nothing per row.
HANDFUL = 10

SUBSCRIBER_PAGES = [
    "/",
    "/races/R1C1/?date={day}",
    "/picks/?date={day}",
    "/value-bets/?date={day}",
    "/bets/",
    "/alerts/",
    "/alerts/?unread=true",
    "/backtests/",
    "/backtests/{job}/",
    "/backtests/{job}/status",
    "/model/",
    "/account/",
    "/account/webhooks/",
    "/account/webhooks/{hook}/",
    "/account/profile/",
    "/account/password/",
    "/account/delete/",
    "/privacy/",
    "/watchlist/",
    "/watchlist/?q=horse",
    "/horses/{horse}/",
    "/people/jockey/{jockey}/",
]
PUBLIC_PAGES = [
    "/",
    "/races/R1C1/?date={day}",
    "/login/",
    "/signup/",
    "/password/forgot/",
    "/privacy/",
    "/track-record/",
]


@pytest.fixture
def world(pro_user):
    race = live_race(final=(6.0, 2.0, 4.0, 10.0))
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    for saddle in (1, 2, 3):
        user_bet_create(
            user=pro_user,
            race_id=race.pk,
            saddle_number=saddle,
            bet_type="simple_gagnant",
            stake=Decimal("2"),
            odds=Decimal("4"),
        )
    job = _done_job(pro_user, 5)
    for runner_alert in race.runners.all():  # alerts about each runner: the alerts page and the nav's badge show them
        event = Event.objects.create(
            type=EventType.RUNNER_DECLARED,
            key=f"runner.declared:{runner_alert.pk}",
            race=race,
            runner=runner_alert,
            payload={"race_code": "R1C1", "date": live_day().isoformat(), "horse": "H", "saddle_number": 1},
        )
        Alert.objects.create(user=pro_user, event=event)
    runner = race.runners.order_by("saddle_number").first()
    jockey = runner.jockey or Jockey.objects.create(name="Éric Raffin")
    Runner.objects.filter(race=race).update(jockey=jockey)
    for runner_row in race.runners.all()[:2]:  # the watchlist page lists a horse and the race
        watchlist_entry_create(user=pro_user, kind="horse", target_id=runner_row.horse_id)
    watchlist_entry_create(user=pro_user, kind="race", target_id=race.pk)
    hook = WebhookEndpoint.objects.create(user=pro_user, url="https://93.184.216.34/t", events=[], secret="whsec_q")
    for other in ("https://93.184.216.34/u", "https://93.184.216.34/v"):
        WebhookEndpoint.objects.create(user=pro_user, url=other, events=[], secret="whsec_q")
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=hook, event_type="webhook.test", body="{}", attempts=n) for n in range(5)]
    )
    return {
        "day": live_day().isoformat(),
        "job": job.pk,
        "horse": runner.horse_id,
        "jockey": jockey.pk,
        "hook": hook.pk,
    }


def _count(client, url: str) -> int:
    client.get(url)  # the first view warms what is cached across requests (the snapshot, the plan rows)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize("path", SUBSCRIBER_PAGES)
def test_a_subscribers_page_runs_a_handful_of_queries(client, pro_user, world, path):
    client.force_login(pro_user)
    url = path.format(**world)
    assert _count(client, url) <= HANDFUL, url


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_runs_a_handful_of_queries(client, world, path):
    url = path.format(**world)
    assert _count(client, url) <= HANDFUL, url
