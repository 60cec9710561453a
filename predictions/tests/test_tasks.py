"""The nightly chain through the real Redis broker, run by a real Celery worker, dispatched as beat does.

The eager variant lives in test_training.py; this one proves the production path: the message goes
through Redis, a worker (a thread of this process, so it shares the settings and the test database)
runs retrain then rescore, and the results come back through the Redis result backend.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from io import StringIO

import pytest
from celery.beat import Scheduler
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from courses.models import Race, RaceStatus, Source
from predictions.models import ModelStatus, ModelVersion, Prediction
from predictions.services import registry
from predictions.services.registry import model_train
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_activate

from .factories import bad_copy

SCHEDULE = "Nightly retrain and rescore"  # the row migration 0003 gives beat, by the name staff see
HISTORY_DAYS = 40  # enough finished races to train and validate in well under a second
WAIT = 120  # seconds; the whole chain takes a few


@pytest.fixture
def broker():
    """The Celery app on Redis, sending to a queue of this run only (a `make run` worker cannot take it).

    CI always sets REDIS_URL: there a missing one fails; on a laptop without Redis the test skips.
    """
    from turf.celery import app

    if not settings.REDIS_URL:
        message = "the broker test needs Redis (set REDIS_URL)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert not app.conf.task_always_eager, "REDIS_URL is set but Celery is eager: the chain would skip the broker"
    assert app.conf.broker_url.startswith("redis://") and app.conf.result_backend.startswith("redis://")
    queue = f"turf-test-{uuid.uuid4().hex[:12]}"
    # The router reads the default queue on every send, so the chain the worker queues follows it too.
    before = app.conf.task_default_queue, app.conf.worker_hijack_root_logger
    app.conf.task_default_queue, app.conf.worker_hijack_root_logger = queue, False
    try:
        yield app, queue
    finally:
        app.conf.task_default_queue, app.conf.worker_hijack_root_logger = before
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)


@pytest.fixture
def programme(broker):
    """Demo racing up to today and tomorrow, scored by a deliberately bad active model (committed)."""
    today = timezone.localdate()
    call_command(
        "load_demo",
        "--start",
        str(today - dt.timedelta(days=HISTORY_DAYS)),
        "--today",
        str(today),
        "--seed",
        "7",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    active = model_version_activate(model_version=bad_copy(model_train(until=today, source=Source.DEMO)))
    days = (today, today + dt.timedelta(days=1))
    assert predictions_score(start=days[0], end=days[1], model_version=active) > 0
    return active, days


def _nightly_on_a_worker(app, queue: str) -> dict:
    """Start a worker on ``queue``, send the schedule row's task as beat does, return the chain's end."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping start_worker waits for)

    job = PeriodicTask.objects.get(name=SCHEDULE, enabled=True)
    try:
        with start_worker(app, queues=[queue], pool="solo", shutdown_timeout=30) as worker:
            # The name in the row is one the running worker has registered (asked over the broker).
            registered = app.control.inspect(destination=[worker.hostname], timeout=5).registered() or {}
            assert job.task in registered.get(worker.hostname, [])
            # DatabaseScheduler builds this entry from the row and sends it with this (inherited) method.
            sent = Scheduler(app, lazy=True).apply_async(ModelEntry(job, app=app), advance=False)
            return AsyncResult(sent.get(timeout=WAIT), app=app).get(timeout=WAIT)
    finally:
        _assert_the_worker_left_no_connection()


def _assert_the_worker_left_no_connection() -> None:
    """Celery's Django fixup closes the worker's connection after each task; else the test DB cannot be dropped."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0


def _predictions_snapshot() -> list[tuple]:
    return list(Prediction.objects.order_by("pk").values_list("pk", "model_version_id", "win_probability", "scored_at"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_nightly_chain_on_a_real_worker_promotes_a_better_model_and_scores_the_programme(broker, programme):
    app, queue = broker
    old, days = programme
    before = set(ModelVersion.objects.values_list("pk", flat=True))

    outcome = _nightly_on_a_worker(app, queue)

    new = ModelVersion.objects.exclude(pk__in=before).get()
    assert new.status == ModelStatus.ACTIVE and new.trained_until < days[0]
    promotion = new.metrics["promotion"]
    assert promotion["against"] == old.version and promotion["promoted"]
    assert promotion["candidate_log_loss"] < promotion["active_log_loss"]  # by merit, not by a tie
    assert ModelVersion.objects.get(pk=old.pk).status == ModelStatus.RETIRED
    assert outcome["model_version"] == new.version
    assert (outcome["start"], outcome["end"]) == tuple(day.isoformat() for day in days)
    # Every race of today's and tomorrow's programme carries the new model's probabilities.
    programme_races = Race.objects.filter(meeting__date__in=days, status=RaceStatus.SCHEDULED)
    rows = Prediction.objects.filter(model_version=new, runner__race__in=programme_races)
    # The promotion scored the programme; the rescore after it rewrote the races still to come. Today's races that
    # have gone off (the test may run late in the day) keep the backfill the promotion gave them, never rewritten.
    assert 0 < outcome["predictions"] <= rows.count()
    per_race = rows.values("runner__race_id").annotate(total=Sum("win_probability"))
    assert {r["runner__race_id"] for r in per_race} == set(programme_races.values_list("pk", flat=True))
    assert {round(r["total"], 9) for r in per_race} == {1.0}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_nightly_chain_whose_retrain_fails_leaves_the_model_and_predictions_untouched(broker, programme, monkeypatch):
    app, queue = broker
    active, _ = programme
    versions = list(ModelVersion.objects.order_by("pk").values_list("pk", "status"))
    predictions = _predictions_snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(registry, "race_model_fit", broken)  # the worker thread sees it: same process
    with pytest.raises(RuntimeError, match="out of memory"):  # the failure reaches the end of the chain
        _nightly_on_a_worker(app, queue)
    assert list(ModelVersion.objects.order_by("pk").values_list("pk", "status")) == versions
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == active.pk
    assert _predictions_snapshot() == predictions
