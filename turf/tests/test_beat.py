"""Beat's schedule as staff see it in the admin: our tasks to choose from, no clean-up row of beat's own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from turf.beat import BACKEND_CLEANUP, Scheduler, results_expire_themselves
from turf.celery import app

OURS = {"predictions.nightly", "predictions.retrain", "predictions.rescore", "courses.feed_tick", "wagering.backtest"}


@pytest.mark.django_db
def test_the_periodic_tasks_registered_task_list_offers_our_tasks(client, staff):
    client.force_login(staff)
    page = client.get("/admin/django_celery_beat/periodictask/add/").content.decode()
    for name in OURS:
        assert f'<option value="{name}">{name}</option>' in page


@pytest.fixture
def scheduler(monkeypatch):
    """Beat's scheduler inside the test's transaction: it would close the connection (``close_old_connections``), as
    beat does between ticks, and sync again when collected."""
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    scheduler = Scheduler(app=app, lazy=True)
    yield scheduler
    scheduler._finalize.cancel()


@pytest.mark.django_db
def test_beat_neither_adds_nor_keeps_a_cleanup_row_when_redis_expires_the_results(scheduler, monkeypatch):
    # Redis results (results_expire_themselves is tested below; the app's backend object is built once per process)
    monkeypatch.setattr("turf.beat.results_expire_themselves", lambda app: True)
    crontab = CrontabSchedule.objects.create(minute="0", hour="4")
    PeriodicTask.objects.create(name=BACKEND_CLEANUP, task=BACKEND_CLEANUP, crontab=crontab)  # an earlier beat's
    scheduler.install_default_entries({})
    assert not PeriodicTask.objects.filter(task=BACKEND_CLEANUP).exists()
    assert PeriodicTask.objects.filter(task="predictions.nightly").exists()  # ours untouched


@pytest.mark.django_db
def test_beat_keeps_the_cleanup_where_the_result_backend_needs_it(scheduler, monkeypatch):
    monkeypatch.setattr("turf.beat.results_expire_themselves", lambda app: False)
    scheduler.install_default_entries({})
    assert PeriodicTask.objects.filter(name=BACKEND_CLEANUP, task=BACKEND_CLEANUP).exists()


def test_results_expire_themselves_in_redis_or_without_a_backend_but_not_in_a_database():
    def fake(backend, autoexpire):
        return SimpleNamespace(
            conf=SimpleNamespace(result_backend=backend), backend=SimpleNamespace(supports_autoexpire=autoexpire)
        )

    assert results_expire_themselves(fake(None, False))
    assert results_expire_themselves(fake("redis://localhost/0", True))
    assert not results_expire_themselves(fake("db+postgresql://localhost/turf", False))


MIGRATED = {
    # name: (task, every minutes, crontab "HH:MM" in Europe/Paris)
    "Alerts: mail batches whose delay has passed, sent": ("alerts.mail_batches_due", 1, None),
    "Alerts: webhook deliveries whose retry is overdue, sent again": ("alerts.webhook_retry_due", 1, None),
    "Billing: subscriptions past due beyond the grace period": ("billing.expire_past_due", None, "4:15"),
    "Live feed: the morning programme": ("courses.feed_morning", None, "6:30"),
    "Live feed: the scheduled checks": ("courses.feed_tick", 1, None),
    "Nightly retrain and rescore": ("predictions.nightly", None, "3:30"),
    "Track record: close the days whose races have all gone off": ("predictions.track_record_close", 10, None),
    "Wagering: backtest jobs the task queue did not take, sent again": ("wagering.backtest_requeue", 1, None),
}


@pytest.mark.django_db
def test_the_migrations_schedule_each_task_once_enabled_with_its_description():
    rows = {
        row.name: (
            row.task,
            row.interval.every if row.interval else None,
            f"{row.crontab.hour}:{row.crontab.minute}" if row.crontab else None,
        )
        for row in PeriodicTask.objects.select_related("interval", "crontab").exclude(task=BACKEND_CLEANUP)
    }
    assert rows == MIGRATED
    assert all(row.enabled and row.description for row in PeriodicTask.objects.filter(name__in=MIGRATED))
    assert {str(zone) for zone in CrontabSchedule.objects.values_list("timezone", flat=True)} == {"Europe/Paris"}


def test_a_beat_row_is_scheduled_every_few_minutes_or_at_a_time_of_day_never_both():
    from turf.schedules import beat_row

    for when in ({}, {"every_minutes": 5, "at": "03:30"}):
        with pytest.raises(ValueError, match="every_minutes or at"):
            beat_row("Name", "app.task", "What it does.", **when)
