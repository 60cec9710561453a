"""Issue #15's "Done when", as a test: in the embedded default (eager Celery, the console's mail backend stood in
for by Django's locmem), a user follows a demo horse, the next day's demo programme is imported, and an in-app
alert and a mail about it are there."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from alerts.models import Alert, Channel, Event, EventType
from alerts.services.fanout import mail_batches_due
from courses.demo import DemoGenerator
from courses.models import Horse, Runner, Source

from .factories import follow, prefer

pytestmark = pytest.mark.django_db


def load_demo(today: dt.date, start: dt.date) -> None:
    call_command(
        "load_demo",
        "--start",
        start.isoformat(),
        "--today",
        today.isoformat(),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_following_a_demo_horse_and_importing_the_next_days_programme_alerts_in_the_app_and_by_mail(
    eager_celery, django_capture_on_commit_callbacks, free_user
):
    today = timezone.localdate()
    start = today - dt.timedelta(days=20)  # long enough for horses of the day after tomorrow to have run
    load_demo(today, start)  # the history, today's and tomorrow's programme
    # A horse of the programme published tomorrow (the day after tomorrow's races) that the database knows.
    after_tomorrow = today + dt.timedelta(days=2)
    generator = DemoGenerator(seed=42, start=start, today=today + dt.timedelta(days=1))
    declared = {
        runner.horse.source_id
        for race in generator.races()
        if race.payload.date == after_tomorrow
        for runner in race.payload.runners
    }
    horse = Horse.objects.filter(source=Source.DEMO, source_id__in=declared).order_by("pk").first()
    assert horse is not None
    follow(free_user, horse)
    prefer(free_user, EventType.RUNNER_DECLARED, [Channel.IN_APP, Channel.EMAIL])
    assert not Event.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        load_demo(today + dt.timedelta(days=1), start)

    runner = Runner.objects.get(horse=horse, race__meeting__date=after_tomorrow)
    event = Event.objects.get(type=EventType.RUNNER_DECLARED, runner=runner)
    assert event.payload["horse"] == horse.name and event.fanned_out_at is not None
    assert Alert.objects.filter(user=free_user, event=event).exists()
    # The mail waits for the race's other news (TURF_ALERT_MAIL_DELAY); beat's sweep sends it once that has passed.
    assert [message for message in mail.outbox if message.to == [free_user.email]] == []
    mail_batches_due(now=timezone.now() + dt.timedelta(seconds=settings.TURF_ALERT_MAIL_DELAY))
    mails = [message for message in mail.outbox if message.to == [free_user.email]]
    assert mails and any(horse.name in message.body for message in mails)
    # Every event is about the followed horse, and reached its follower only.
    assert set(Event.objects.values_list("runner__horse", flat=True)) <= {horse.pk, None}
    assert set(Alert.objects.values_list("user", flat=True)) == {free_user.pk}
