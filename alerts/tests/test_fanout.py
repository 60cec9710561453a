"""The fan-out: each event reaches exactly the followers who asked for it, by the channels they chose, and no one
else (non-followers, self-excluded users, plans without the feature); one mail per race per user for a burst."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from alerts.models import Alert, Channel, DeliveryStatus, Event, EventType, MailBatch, WebhookDelivery, WebhookEndpoint
from alerts.services import events as producers
from alerts.services import fanout
from alerts.services.fanout import event_fan_out, mail_batch_send
from billing.models import Plan, Subscription

from .factories import exclude, follow, prefer, race_to_come

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries(monkeypatch):
    """The webhook deliveries queued (the delivery task is another lane's): their ids, not sent."""
    sent = []
    fake = mock.Mock()
    fake.signature.side_effect = lambda name, args: mock.Mock(delay=lambda: sent.append((name, args)))
    monkeypatch.setattr("alerts.services.webhooks.current_app", fake)
    return sent


@pytest.fixture
def held_mails(monkeypatch):
    """The mail sends queued, held (as the countdown holds them) instead of run at once."""
    held = []
    real = fanout.current_app.signature

    def signature(name, args=(), **kwargs):
        if name == fanout.MAIL_TASK:
            return mock.Mock(apply_async=lambda countdown: held.append((args[0], countdown)))
        return real(name, args=args, **kwargs)

    monkeypatch.setattr(fanout.current_app, "signature", signature)
    return held


def no_alerts_plan() -> Plan:
    return Plan.objects.create(
        code="closed", name="Closed", rank=90, features=["courses"], requests_per_minute=10, requests_per_day=100
    )


def test_a_declared_runner_reaches_exactly_its_followers_by_their_channels(
    eager_celery,
    django_capture_on_commit_callbacks,
    django_user_model,
    free_user,
    premium_user,
    pro_user,
    other_user,
    deliveries,
):
    race = race_to_come(runners=3)
    runner = race.runners.get(saddle_number=1)
    follow(free_user, runner.horse)  # no preference: in the app only
    follow(premium_user, runner.jockey)
    prefer(premium_user, EventType.RUNNER_DECLARED, [Channel.IN_APP, Channel.EMAIL])
    follow(pro_user, race.meeting.racecourse)
    prefer(pro_user, EventType.RUNNER_DECLARED, [Channel.WEBHOOK])
    WebhookEndpoint.objects.create(user=pro_user, url="https://hooks.example/turf", events=[EventType.RUNNER_DECLARED])
    follow(other_user, race.runners.get(saddle_number=2).horse)  # another runner's horse
    excluded = django_user_model.objects.create_user(email="ex@turf.test", password="x")
    follow(excluded, runner.horse)
    exclude(excluded)
    closed = django_user_model.objects.create_user(email="closed@turf.test", password="x")
    Subscription.objects.update_or_create(user=closed, defaults={"plan": no_alerts_plan()})
    follow(closed, runner.trainer)
    webhook_on_free = django_user_model.objects.create_user(email="hook@turf.test", password="x")
    follow(webhook_on_free, runner.horse)
    prefer(webhook_on_free, EventType.RUNNER_DECLARED, [Channel.WEBHOOK])  # the free plan opens no webhooks
    WebhookEndpoint.objects.create(user=webhook_on_free, url="https://x.example/", events=[EventType.RUNNER_DECLARED])

    with django_capture_on_commit_callbacks(execute=True):
        made = producers.events_runner_declared(race_ids=[race.pk])

    event = Event.objects.get(runner=runner)
    assert event in made and event.fanned_out_at is not None
    assert set(Alert.objects.filter(event=event).values_list("user__email", flat=True)) == {
        free_user.email,
        premium_user.email,
    }
    assert mail.outbox == []  # the batch waits for the race's other news (TURF_ALERT_MAIL_DELAY)
    assert fanout.mail_batches_due(now=timezone.now() + dt.timedelta(seconds=settings.TURF_ALERT_MAIL_DELAY)) == 1
    assert [message.to for message in mail.outbox] == [[premium_user.email]]
    assert runner.horse.name in mail.outbox[0].body
    # pro_user follows the racecourse, so hears of the three runners by webhook (and of nothing in the app).
    assert list(WebhookDelivery.objects.filter(event=event).values_list("endpoint__user", "status")) == [
        (pro_user.pk, DeliveryStatus.PENDING)
    ]
    assert WebhookDelivery.objects.filter(endpoint__user=pro_user).count() == 3 and len(deliveries) == 3
    assert not WebhookDelivery.objects.filter(endpoint__user=webhook_on_free).exists()
    # Runner 2: other_user follows its horse; runner 3: nobody but the racecourse's follower.
    assert set(Alert.objects.exclude(event=event).values_list("user", flat=True)) == {other_user.pk}


def test_a_second_fan_out_of_the_same_event_tells_nobody_again(eager_celery, free_user):
    race = race_to_come(runners=1)
    runner = race.runners.get()
    follow(free_user, runner.horse)
    event = Event.objects.create(type=EventType.RUNNER_DECLARED, key="runner.declared:t", race=race, runner=runner)

    first = event_fan_out(event_id=event.pk)
    second = event_fan_out(event_id=event.pk)

    assert first.channels[Channel.IN_APP] == [free_user.pk] and not first.already
    assert second.already
    assert Alert.objects.filter(event=event).count() == 1


def test_producers_produce_each_event_once_on_a_rerun(eager_celery, django_capture_on_commit_callbacks, free_user):
    race = race_to_come(runners=3)
    follow(free_user, race)

    with django_capture_on_commit_callbacks(execute=True):
        first = producers.events_runner_declared()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = producers.events_runner_declared()

    assert len(first) == 3 and again == [] and callbacks == []  # nothing written, nothing queued
    assert Event.objects.filter(type=EventType.RUNNER_DECLARED).count() == 3
    assert Alert.objects.filter(user=free_user).count() == 3


def test_a_burst_of_a_races_events_is_one_mail_per_user(
    eager_celery, django_capture_on_commit_callbacks, premium_user, other_user, held_mails
):
    race = race_to_come(runners=3)
    follow(premium_user, race)
    prefer(premium_user, EventType.RUNNER_DECLARED, [Channel.EMAIL])
    prefer(premium_user, EventType.RACE_RESULT, [Channel.EMAIL])
    follow(other_user, race.meeting.racecourse)
    prefer(other_user, EventType.RUNNER_DECLARED, [Channel.EMAIL])
    other_user.language = "fr"
    other_user.save()

    with django_capture_on_commit_callbacks(execute=True):
        producers.events_runner_declared()

    # One batch per user was opened and its send queued once, with the mail delay; nothing sent yet.
    assert MailBatch.objects.count() == 2 and mail.outbox == []
    assert sorted(countdown for _, countdown in held_mails) == [120, 120]
    assert MailBatch.objects.get(user=premium_user).events.count() == 3
    for batch_id, _ in held_mails:
        assert mail_batch_send(batch_id=batch_id) is True
        assert mail_batch_send(batch_id=batch_id) is False  # sent once
    assert sorted(message.to[0] for message in mail.outbox) == sorted([premium_user.email, other_user.email])
    french = next(message for message in mail.outbox if message.to == [other_user.email])
    assert "Du nouveau sur" in french.body and french.body.count("\n- ") == 3
    # The next event of the race opens a new batch (the first is sent).
    runner = race.runners.first()
    runner.position = 1
    event = Event.objects.create(type=EventType.RACE_RESULT, key="race.result:t", race=race)
    event_fan_out(event_id=event.pk)
    assert MailBatch.objects.filter(user=premium_user, sent_at__isnull=True).count() == 1


def test_a_user_who_excludes_themselves_before_the_send_gets_no_mail(
    eager_celery, django_capture_on_commit_callbacks, premium_user, held_mails
):
    race = race_to_come(runners=1)
    follow(premium_user, race)
    prefer(premium_user, EventType.RUNNER_DECLARED, [Channel.EMAIL])
    with django_capture_on_commit_callbacks(execute=True):
        producers.events_runner_declared()
    exclude(premium_user)

    assert mail_batch_send(batch_id=held_mails[0][0]) is False
    assert mail.outbox == [] and MailBatch.objects.get().sent_at is not None


def test_an_odds_move_reaches_the_followers_whose_threshold_it_passes(
    eager_celery, django_capture_on_commit_callbacks, free_user, premium_user, other_user
):
    race = race_to_come(runners=1)
    runner = race.runners.get()
    for user in (free_user, premium_user, other_user):
        follow(user, runner.horse)
    prefer(premium_user, EventType.ODDS_MOVED, [Channel.IN_APP], odds_move_percent=Decimal("50"))
    prefer(other_user, EventType.ODDS_MOVED, [Channel.IN_APP], odds_move_percent=Decimal("10"))
    runner.final_odds = Decimal("5.75")  # +15% on the 5.00 morning line
    runner.save()

    with django_capture_on_commit_callbacks(execute=True):
        first = producers.events_odds_moved(race_ids=[race.pk])
        assert producers.events_odds_moved(race_ids=[race.pk]) == []  # no move since the last event
    runner.final_odds = Decimal("8.00")  # +39% on 5.75
    runner.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = producers.events_odds_moved(race_ids=[race.pk])

    assert [e.key for e in first + second] == [f"odds.moved:{runner.pk}:1", f"odds.moved:{runner.pk}:2"]
    told = {
        event.key: set(event.alerts.values_list("user", flat=True))
        for event in Event.objects.filter(type=EventType.ODDS_MOVED)
    }
    assert told == {
        f"odds.moved:{runner.pk}:1": {other_user.pk},  # 15% passes 10%, not the default 20% nor 50%
        f"odds.moved:{runner.pk}:2": {other_user.pk, free_user.pk},  # 39% passes 10% and 20%, not 50%
    }


def test_a_value_bet_that_comes_and_goes_and_comes_back_is_three_events(
    eager_celery, django_capture_on_commit_callbacks, free_user, monkeypatch
):
    race = race_to_come(runners=2)
    runner = race.runners.get(saddle_number=2)
    follow(free_user, race)
    listed = []
    monkeypatch.setattr(producers, "value_bet_list", lambda *, day, now=None: list(listed))
    bet = {
        "race_id": race.pk,
        "runner_id": runner.pk,
        "odds": Decimal("6.00"),
        "win_probability": 0.25,
        "expected_value": 0.5,
        "stake": Decimal("2.50"),
        "model_version": "market-1",
    }

    def rescored():
        with django_capture_on_commit_callbacks(execute=True):
            return [(event.type, event.key) for event in producers.events_value_bets(race_ids=[race.pk])]

    assert rescored() == []
    listed.append(bet)
    assert rescored() == [(EventType.VALUEBET_CREATED, f"valuebet:{runner.pk}:1")]
    assert rescored() == []
    listed.clear()
    assert rescored() == [(EventType.VALUEBET_REMOVED, f"valuebet:{runner.pk}:2")]
    listed.append(bet)
    assert rescored() == [(EventType.VALUEBET_CREATED, f"valuebet:{runner.pk}:3")]
    assert Alert.objects.filter(user=free_user).count() == 3


def test_a_race_result_carries_the_arrival_and_the_rapports(
    eager_celery, django_capture_on_commit_callbacks, free_user, other_user
):
    from courses.models import Dividend, RaceStatus

    race = race_to_come(runners=3, days=0)
    race.status = RaceStatus.FINISHED
    race.save()
    for runner in race.runners.all():
        runner.position = 4 - runner.saddle_number
        runner.save()
    Dividend.objects.create(race=race, bet_type="simple_gagnant", combination="3", amount=Decimal("4.20"))
    follow(free_user, race.runners.get(saddle_number=3).trainer)

    with django_capture_on_commit_callbacks(execute=True):
        made = producers.events_race_result()
        assert producers.events_race_result() == []

    assert [event.key for event in made] == [f"race.result:{race.pk}"]
    payload = Event.objects.get(type=EventType.RACE_RESULT).payload
    assert [row["saddle_number"] for row in payload["arrival"]] == [3, 2, 1]
    assert payload["rapports"][0]["amount"] == "4.20"
    assert list(Alert.objects.values_list("user", flat=True)) == [free_user.pk]


def test_the_command_fans_out_what_is_left_and_mails_the_pending_batches(premium_user):
    from io import StringIO

    from django.core.management import call_command

    race = race_to_come(runners=1)
    follow(premium_user, race)
    prefer(premium_user, EventType.RUNNER_DECLARED, [Channel.IN_APP, Channel.EMAIL])
    Event.objects.create(type=EventType.RUNNER_DECLARED, key="runner.declared:cmd", race=race)  # never queued
    out = StringIO()

    with mock.patch.object(fanout.current_app, "signature"):  # the broker's send: not this test's
        call_command("alerts_send", "--now", stdout=out)

    assert "1 events fanned out to 1 followers; 1 mails sent" in out.getvalue()
    assert Alert.objects.filter(user=premium_user).count() == 1 and len(mail.outbox) == 1


def test_in_the_embedded_mode_a_burst_is_one_mail_per_user_sent_by_beats_sweep(
    eager_celery, django_capture_on_commit_callbacks, premium_user, settings
):
    """Eager Celery cannot hold a countdown: the batch waits for beat's sweep, which mails it once its delay passed."""
    race = race_to_come(runners=3)
    follow(premium_user, race)
    prefer(premium_user, EventType.RUNNER_DECLARED, [Channel.EMAIL])
    prefer(premium_user, EventType.RACE_RESULT, [Channel.EMAIL])

    with django_capture_on_commit_callbacks(execute=True):
        producers.events_runner_declared()  # three events, fanned out (eagerly) one after the other
    with django_capture_on_commit_callbacks(execute=True):
        event = Event.objects.create(type=EventType.RACE_RESULT, key="race.result:burst", race=race)
        event_fan_out(event_id=event.pk)

    assert mail.outbox == [] and fanout.mail_batches_due() == 0  # not due yet
    later = timezone.now() + dt.timedelta(seconds=settings.TURF_ALERT_MAIL_DELAY)
    assert fanout.mail_batches_due(now=later) == 1
    assert fanout.mail_batches_due(now=later) == 0  # sent once
    (message,) = mail.outbox
    assert message.to == [premium_user.email] and message.body.count("\n- ") == 4
