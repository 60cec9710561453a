"""With REDIS_URL set, an event goes the production way: its fan-out and its webhook delivery are messages through
Redis, run by a real Celery worker (a thread of this process, as in predictions/tests/test_tasks.py), and the
delivery reaches a receiver on 127.0.0.1 signed as the README says."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from alerts.models import (
    Alert,
    AlertPreference,
    DeliveryStatus,
    EventType,
    FollowKind,
    WatchlistEntry,
    WebhookDelivery,
    WebhookEndpoint,
)
from alerts.services.events import events_runner_declared
from courses.tests.factories import make_race
from predictions.tests.test_tasks import broker  # noqa: F401  (the Celery app on Redis, a queue of this run)

SECRET = "whsec_worker-test-secret"
WAIT = 60  # seconds; the two tasks take well under one


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_followed_horse_declared_reaches_the_webhook_through_the_real_worker(broker, receiver, pro_user):  # noqa: F811
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping start_worker waits for)

    app, queue = broker
    race = make_race(date=timezone.localdate() + dt.timedelta(days=1), code="WRK")
    horse = race.runners.order_by("saddle_number").first().horse
    WatchlistEntry.objects.create(user=pro_user, kind=FollowKind.HORSE, horse=horse)
    AlertPreference.objects.create(user=pro_user, event_type=EventType.RUNNER_DECLARED, channels=["in_app", "webhook"])
    endpoint = WebhookEndpoint.objects.create(
        user=pro_user, url=receiver.url_for("/hook"), events=[EventType.RUNNER_DECLARED], secret=SECRET
    )
    receiver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")

    with start_worker(app, queues=[queue], pool="solo", shutdown_timeout=30, perform_ping_check=True):
        (event,) = events_runner_declared(race_ids=[race.pk])  # queues the fan-out on commit (autocommit here)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            delivery = WebhookDelivery.objects.filter(endpoint=endpoint).first()
            if delivery is not None and delivery.status == DeliveryStatus.DELIVERED:
                break
            time.sleep(0.2)

    assert Alert.objects.filter(user=pro_user, event=event).exists()
    assert delivery is not None and delivery.status == DeliveryStatus.DELIVERED, delivery and delivery.status
    assert delivery.attempts == 1 and delivery.response_status == 200
    ((request, _),) = receiver.log
    timestamp, signature = (part.split("=", 1)[1] for part in request.headers["X-Turf-Signature"].split(","))
    body = request.get_data(as_text=True)
    expected = hmac.new(SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert str(event.id) in body and request.headers["X-Turf-Event"] == EventType.RUNNER_DECLARED
