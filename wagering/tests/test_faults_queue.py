"""Tasks sent while the broker (Redis) is away are not lost: the send retries through a short outage, and a
backtest job the queue never took is kept ("unqueued", 503 queue_unavailable) and sent again by beat's requeue.
The broker is the real Redis behind a cuttable TCP proxy; what arrives is read off the queue with kombu."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import pytest
from celery import current_app
from kombu import Connection, pools

from turf.celery import app as celery_app
from turf.tests.faults import CuttableProxy, require
from wagering.models import BacktestJob, BacktestStatus
from wagering.services.backtest_jobs import backtest_jobs_requeue

BODY = {"selection": "top_pick", "start": "2025-11-01", "end": "2025-11-30"}
QUEUE = "celery"  # Celery's default queue, where .delay() sends


def _reset_pools() -> None:
    """Forget the connections made to the broker before: the next send connects to the broker URL set now."""
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Celery sending to the real Redis through a proxy; yields (proxy, the real broker URL)."""
    require(bool(settings.REDIS_URL), "Redis")
    real = urlsplit(settings.REDIS_URL)
    proxy = CuttableProxy(real.hostname or "127.0.0.1", real.port or 6379)
    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = f"redis://127.0.0.1:{proxy.port}{real.path or '/0'}"
    celery_app.conf.task_always_eager = False
    _reset_pools()
    with Connection(settings.REDIS_URL) as connection:
        connection.SimpleQueue(QUEUE).clear()
    try:
        yield proxy, settings.REDIS_URL
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
        _reset_pools()
        proxy.stop()


def _arrived(url: str, task_id: str) -> dict | None:
    """The message of task ``task_id`` taken off the queue (its headers), or None."""
    with Connection(url) as connection:
        queue = connection.SimpleQueue(QUEUE)
        try:
            while True:
                try:
                    message = queue.get(timeout=2)
                except queue.Empty:
                    return None
                message.ack()
                if message.headers.get("id") == task_id:
                    return message.headers
        finally:
            queue.close()


def test_a_task_sent_during_a_short_outage_arrives_when_the_broker_returns(broker):
    proxy, url = broker
    proxy.cut()
    threading.Timer(1.0, proxy.restore).start()  # back within the publish retries (CELERY_PUBLISH_RETRIES)
    started = time.monotonic()
    result = current_app.signature("wagering.settle_bets").delay()
    assert time.monotonic() - started >= 0.9  # it waited for the broker, it did not drop the task
    headers = _arrived(url, result.id)
    assert headers is not None and headers["task"] == "wagering.settle_bets"


# Committed: the job is sent inside the request, as in production.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backtest_the_queue_did_not_take_is_kept_and_sent_again(broker, api, pro_user):
    proxy, url = broker
    proxy.cut()
    response = api.as_user(pro_user).post("/api/v1/backtests", BODY, format="json")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["error"]) == ("error", "queue_unavailable") and response["Retry-After"]
    job = BacktestJob.objects.get(pk=body["job"], owner=pro_user)
    assert job.status == BacktestStatus.UNQUEUED  # kept, not lost
    assert backtest_jobs_requeue() == 0  # still away: kept for the next beat
    assert BacktestJob.objects.get(pk=job.pk).status == BacktestStatus.UNQUEUED

    proxy.restore()
    assert backtest_jobs_requeue() == 1
    job.refresh_from_db()
    assert job.status == BacktestStatus.QUEUED
    with Connection(url) as connection:
        queue = connection.SimpleQueue(QUEUE)
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.headers["task"] == "wagering.backtest" and message.headers["argsrepr"] == f"({job.pk},)"
