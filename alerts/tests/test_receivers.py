"""The pipelines' signals reach the producers: a rescoring announces its races (``predictions.signals``), and
alerts turns courses' and predictions' news into events, without either importing alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alerts.models import Alert, Event, EventType
from courses.signals import races_changed, results_written
from predictions.services.scoring import predictions_score_races
from predictions.services.versions import model_version_active
from predictions.signals import races_rescored
from predictions.tests.factories import live_race

from .factories import follow, race_to_come

pytestmark = pytest.mark.django_db


def test_a_rescoring_announces_the_races_it_scored_once_committed(django_capture_on_commit_callbacks):
    race = live_race(final=(6.0, 2.0, 4.0))
    heard = []

    def listener(sender, race_ids, **kwargs):
        heard.append(list(race_ids))

    races_rescored.connect(listener, dispatch_uid="test-rescored")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            predictions_score_races(race_ids=[race.pk], model_version=model_version_active())
            assert heard == []  # not before the commit
    finally:
        races_rescored.disconnect(dispatch_uid="test-rescored")
    assert heard == [[race.pk]]


def test_a_rescoring_of_a_followed_race_tells_its_followers_of_the_new_top_picks(
    eager_celery, django_capture_on_commit_callbacks, free_user
):
    race = live_race(final=(6.0, 2.0, 4.0))
    follow(free_user, race)

    with django_capture_on_commit_callbacks(execute=True):
        predictions_score_races(race_ids=[race.pk], model_version=model_version_active())
    with django_capture_on_commit_callbacks(execute=True):
        predictions_score_races(race_ids=[race.pk], model_version=model_version_active())  # the same picks

    event = Event.objects.get(type=EventType.PREDICTION_UPDATED)
    assert [pick["saddle_number"] for pick in event.payload["top"]] == [2, 3, 1]  # the market's order
    assert Alert.objects.filter(user=free_user, event=event).exists()


def test_the_feeds_news_become_events(eager_celery, django_capture_on_commit_callbacks, free_user):
    race = race_to_come(runners=2)
    runner = race.runners.get(saddle_number=1)
    follow(free_user, runner.horse)

    with django_capture_on_commit_callbacks(execute=True):
        results_written.send(sender=None, source="manual")
    assert list(Event.objects.values_list("type", "runner")) == [(EventType.RUNNER_DECLARED, runner.pk)]

    runner.final_odds = Decimal("2.50")  # halved from the 5.00 morning line
    runner.save()
    with django_capture_on_commit_callbacks(execute=True):
        races_changed.send(sender=None, race_ids=[race.pk], reason="odds")
    moved = Event.objects.get(type=EventType.ODDS_MOVED)
    assert moved.payload["move_percent"] == "-50.0" and moved.alerts.filter(user=free_user).exists()
