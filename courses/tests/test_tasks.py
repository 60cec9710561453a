"""The live day's Celery tasks and their beat schedule (rows staff edit in the admin), and their command twins."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from courses import tasks
from courses.feeds import FeedReport, FeedUnavailable
from courses.models import CheckKind, FeedSource, Race, ScheduledCheck, Source
from courses.schedule import PROGRAMME_RETRY, programme_catch_up
from turf.celery import app

from .factories import make_race

pytestmark = pytest.mark.django_db


def test_the_morning_step_and_the_tick_are_scheduled_in_beat_after_migrate():
    morning = PeriodicTask.objects.get(task="courses.feed_morning")
    tick = PeriodicTask.objects.get(task="courses.feed_tick")

    assert morning.enabled and tick.enabled
    crontab = morning.crontab
    assert (crontab.minute, crontab.hour, str(crontab.timezone)) == ("30", "6", "Europe/Paris")
    assert morning.interval is None
    assert (tick.interval.every, tick.interval.period) == (1, "minutes")
    assert {morning.task, tick.task} <= set(app.tasks)  # names the worker (and eager beat) can run


@pytest.fixture
def demo_programme():
    """A short demo history up to today (the real today: the tasks read the clock)."""
    today = timezone.localdate()
    call_command(
        "load_demo",
        "--start",
        (today - dt.timedelta(days=15)).isoformat(),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return today


def test_the_morning_task_reads_today_and_tomorrow_and_plans_their_checks(demo_programme, eager_celery, settings):
    settings.TURF_FEED = "demo"
    tomorrow = demo_programme + dt.timedelta(days=1)

    result = tasks.feed_morning.delay().get()

    assert set(result) == {demo_programme.isoformat(), tomorrow.isoformat()}
    races = Race.objects.filter(meeting__date=tomorrow, source=Source.DEMO)
    checks = ScheduledCheck.objects.filter(race__in=races)
    assert races.count() >= 5 and checks.count() == 14 * races.count()  # tomorrow's races are all to come
    assert checks.filter(kind=CheckKind.OFF).count() == races.count()
    assert FeedSource.objects.get(name="demo").last_success_at is not None
    assert tasks.feed_tick.delay().get()["feed"] == "demo"


def test_the_morning_task_is_retried_when_the_feed_cannot_be_read(monkeypatch, eager_celery, settings):
    settings.TURF_FEED = "pmu"
    calls = []

    class DownFeed:
        source = Source.PMU

        def programme(self, *, date, progress=False):
            calls.append(date)
            raise FeedUnavailable("online.turfinfo.api.pmu.fr: connection refused")

    monkeypatch.setattr("courses.schedule.feed_get", lambda name=None: DownFeed())

    # Both days are tried, then the task asks Celery for a retry (with a broker: 30 s later, and doubling).
    with pytest.raises(Retry):
        tasks.feed_morning.delay().get()
    assert len(calls) == 2
    assert FeedUnavailable in tasks.feed_morning.autoretry_for


def test_the_tick_reads_the_programme_again_when_the_morning_could_not(monkeypatch, settings):
    settings.TURF_FEED = "pmu"
    now = timezone.now()
    calls = []

    class DownFeed:
        source = Source.PMU

        def programme(self, *, date, progress=False):
            calls.append(date)
            FeedSource.objects.update_or_create(
                name=Source.PMU, defaults={"last_error_at": now, "last_error": "connection refused"}
            )
            raise FeedUnavailable("connection refused")

    feed, today = DownFeed(), timezone.localdate(now)
    lines = programme_catch_up(now=now, feed=feed)
    assert lines == [
        f"{today}: pmu unavailable: connection refused",
        f"{today + dt.timedelta(days=1)}: pmu unavailable: connection refused",
    ]
    assert len(calls) == 2
    assert programme_catch_up(now=now + dt.timedelta(minutes=5), feed=feed) == []  # not before PROGRAMME_RETRY
    assert len(programme_catch_up(now=now + PROGRAMME_RETRY, feed=feed)) == 2
    assert len(calls) == 4

    make_race(date=today, source=Source.PMU)  # the day has its programme: nothing to catch up
    assert programme_catch_up(now=now + 3 * PROGRAMME_RETRY, feed=feed) == []
    assert len(calls) == 4


def test_with_the_feed_off_the_tasks_do_nothing(settings, eager_celery):
    settings.TURF_FEED = "off"
    assert tasks.feed_morning.delay().get() == {"feed": "off"}
    assert tasks.feed_tick.delay().get() == {"feed": "off", "ran": 0, "failed": 0, "skipped": 0}


def test_the_commands_run_the_same_steps(monkeypatch, settings):
    settings.TURF_FEED = "pmu"
    read = []

    class Feed:
        source = Source.PMU

        def programme(self, *, date, progress=False):
            read.append(date)
            return FeedReport(source=Source.PMU, races_unchanged=3)

    monkeypatch.setattr("courses.management.commands.feed_day.feed_get", lambda name=None: Feed())
    out = StringIO()
    call_command("feed_day", "--date", "2025-11-05", stdout=out)
    assert read == [dt.date(2025, 11, 5)]
    assert "2025-11-05: pmu: races created=0 updated=0 unchanged=3" in out.getvalue()
    assert "schedule: 0 races" in out.getvalue()

    make_race(date=timezone.localdate(), source=Source.PMU)  # today has its programme: no catch-up
    tick = StringIO()
    call_command("feed_tick", stdout=tick)
    assert tick.getvalue().strip() == "feed tick (pmu): ran=0 failed=0 skipped=0"


def test_feed_day_fails_loudly_when_the_feed_is_down(monkeypatch, settings):
    class DownFeed:
        source = Source.PMU

        def programme(self, *, date, progress=False):
            raise FeedUnavailable("connection refused")

    monkeypatch.setattr("courses.management.commands.feed_day.feed_get", lambda name=None: DownFeed())
    err = StringIO()
    with pytest.raises(CommandError, match="could not be read for 2025-11-05"):
        call_command("feed_day", "--date", "2025-11-05", "--feed", "pmu", stderr=err, stdout=StringIO())
    assert "2025-11-05: pmu unavailable: connection refused" in err.getvalue()
