"""Deliveries against a real receiver on 127.0.0.1: signed as the README says, retried with a backoff on a clock
the test sets, never redirected, disabled after failing for the whole window, refused before any connection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from werkzeug import Response

from alerts.models import DeliveryStatus, Event, EventType, WebhookDelivery, WebhookEndpoint
from alerts.services.webhooks import TEST_EVENT, backoff_seconds, webhook_attempt, webhooks_enqueue
from alerts.tasks.webhooks import webhook_deliver

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "whsec_test-secret-of-the-endpoint"


def _recipe() -> dict:
    """The README's verification snippet, run as written: its namespace (``verify``)."""
    text = README.read_text()
    block = text.split("<!-- webhook-verify-recipe -->", 1)[1].split("<!-- /webhook-verify-recipe -->", 1)[0]
    code = block.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "README webhook recipe", "exec"), namespace)
    return namespace


@pytest.fixture
def endpoint(receiver, pro_user):
    return WebhookEndpoint.objects.create(
        user=pro_user, url=receiver.url_for("/hook"), events=[EventType.RACE_RESULT], secret=SECRET
    )


@pytest.fixture
def delivery(endpoint):
    event = Event.objects.create(type=EventType.RACE_RESULT, key="race.result:1", payload={"race": "R1C1"})
    assert webhooks_enqueue(event=event, user_ids=[endpoint.user_id]) == 1
    return WebhookDelivery.objects.get(endpoint=endpoint)


def test_a_delivery_is_signed_so_the_readmes_recipe_verifies_it(receiver, delivery):
    receiver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    attempt = webhook_attempt(delivery_id=str(delivery.pk))
    assert attempt.status == DeliveryStatus.DELIVERED and attempt.retry_in is None
    (request, _response), *_ = receiver.log
    body, headers = request.get_data(), request.headers
    assert body.decode() == delivery.body
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Turf-Event"] == "race.result" and headers["X-Turf-Delivery"] == str(delivery.pk)
    verify = _recipe()["verify"]
    assert verify(SECRET, body, headers["X-Turf-Signature"]) is True
    assert verify("whsec_another", body, headers["X-Turf-Signature"]) is False
    assert verify(SECRET, body.replace(b"R1C1", b"R1C2"), headers["X-Turf-Signature"]) is False
    stale = headers["X-Turf-Signature"].replace("t=", "t=1", 1)  # a timestamp centuries away
    assert verify(SECRET, body, stale) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_status) == (1, 200)
    assert delivery.response_ms is not None and 0 <= delivery.response_ms < 5000  # the attempt's time, recorded
    assert delivery.delivered_at is not None and delivery.error == ""


def test_a_delivered_row_is_not_sent_again(receiver, delivery):
    receiver.expect_request("/hook").respond_with_data("ok")
    assert webhook_attempt(delivery_id=str(delivery.pk)).status == DeliveryStatus.DELIVERED
    assert webhook_attempt(delivery_id=str(delivery.pk)).status == DeliveryStatus.DELIVERED
    assert len(receiver.log) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1


def test_a_failing_receiver_is_retried_with_a_doubling_backoff_then_delivered(receiver, delivery, endpoint):
    for _ in range(3):
        receiver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    receiver.expect_ordered_request("/hook").respond_with_data("ok", status=204)
    clock = timezone.now()
    waits = []
    for _ in range(3):
        attempt = webhook_attempt(delivery_id=str(delivery.pk), now=clock)
        assert attempt.status == DeliveryStatus.RETRYING
        row = WebhookDelivery.objects.get(pk=delivery.pk)
        assert row.response_status == 503 and row.error == "HTTP 503."
        assert row.next_attempt_at == clock + dt.timedelta(seconds=attempt.retry_in)
        # Early: a second message for the same attempt does nothing.
        assert webhook_attempt(delivery_id=str(delivery.pk), now=clock).status == DeliveryStatus.RETRYING
        waits.append(attempt.retry_in)
        clock += dt.timedelta(seconds=attempt.retry_in)
    assert waits == [30, 60, 120]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.is_active
    assert webhook_attempt(delivery_id=str(delivery.pk), now=clock).status == DeliveryStatus.DELIVERED
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.attempts, row.response_status, row.error) == (4, 204, "")
    assert len(receiver.log) == 4
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # a success clears the failure streak


def test_the_backoff_is_capped(settings):
    settings.TURF_WEBHOOK_BACKOFF, settings.TURF_WEBHOOK_BACKOFF_MAX = 30, 3600
    assert [backoff_seconds(n) for n in (1, 2, 3, 7, 8, 40)] == [30, 60, 120, 1920, 3600, 3600]


def test_an_endpoint_failing_past_the_window_is_disabled_and_its_owner_mailed(receiver, delivery, endpoint):
    receiver.expect_request("/hook").respond_with_data("no", status=500)
    start = timezone.now()
    assert webhook_attempt(delivery_id=str(delivery.pk), now=start).status == DeliveryStatus.RETRYING
    assert mail.outbox == []
    late = start + dt.timedelta(hours=24, seconds=1)
    assert webhook_attempt(delivery_id=str(delivery.pk), now=late).status == DeliveryStatus.FAILED
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at == late
    assert "HTTP 500" in endpoint.disabled_reason
    (message,) = mail.outbox
    assert message.to == [endpoint.user.email]
    assert endpoint.url in message.body and SECRET not in message.body
    # A disabled endpoint gets no more events; a test event delivered brings it back.
    event = Event.objects.create(type=EventType.RACE_RESULT, key="race.result:2", payload={})
    assert webhooks_enqueue(event=event, user_ids=[endpoint.user_id]) == 0


def test_a_test_event_delivered_to_a_disabled_endpoint_makes_it_active_again(receiver, endpoint, api, pro_user):
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, timezone.now(), "Failing"
    endpoint.save()
    receiver.expect_request("/hook").respond_with_data("ok")
    answer = api.as_user(pro_user).post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert answer.status_code == 202 and answer.json()["event_type"] == TEST_EVENT
    assert webhook_attempt(delivery_id=answer.json()["id"]).status == DeliveryStatus.DELIVERED
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and endpoint.disabled_reason == ""
    (request, _response), *_ = receiver.log
    assert request.headers["X-Turf-Event"] == TEST_EVENT


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, delivery):
    receiver.expect_request("/hook").respond_with_response(Response("", status=302, headers={"Location": "/else"}))
    receiver.expect_request("/else").respond_with_data("ok")
    attempt = webhook_attempt(delivery_id=str(delivery.pk))
    assert attempt.status == DeliveryStatus.RETRYING
    assert [request.path for request, _ in receiver.log] == ["/hook"]
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert row.response_status == 302 and "redirect" in row.error


def test_a_connection_refused_is_recorded_and_retried(receiver, pro_user, settings):
    receiver.stop()  # nobody listens there now
    try:
        endpoint = WebhookEndpoint.objects.create(
            user=pro_user, url=receiver.url_for("/hook"), events=[EventType.RACE_RESULT], secret=SECRET
        )
        event = Event.objects.create(type=EventType.RACE_RESULT, key="race.result:9", payload={})
        webhooks_enqueue(event=event, user_ids=[pro_user.pk])
        row = WebhookDelivery.objects.get(endpoint=endpoint)
        assert webhook_attempt(delivery_id=str(row.pk)).status == DeliveryStatus.RETRYING
        row.refresh_from_db()
        assert row.response_status is None and "Error" in row.error and row.response_ms is not None
    finally:
        receiver.start()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"])
def test_a_host_that_now_resolves_to_a_refused_address_is_refused_before_connecting(
    address, pro_user, resolves_to, connects
):
    # Registered while it resolved to a public address; the DNS changed since.
    endpoint = WebhookEndpoint.objects.create(
        user=pro_user, url="https://hooks.example.com/in", events=[EventType.RACE_RESULT], secret=SECRET
    )
    resolves_to["hooks.example.com"] = [address]
    event = Event.objects.create(type=EventType.RACE_RESULT, key=f"race.result:{address}", payload={})
    webhooks_enqueue(event=event, user_ids=[pro_user.pk])
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    attempt = webhook_attempt(delivery_id=str(row.pk))
    assert attempt.status == DeliveryStatus.REFUSED and attempt.retry_in is None
    assert connects == []
    row.refresh_from_db()
    assert row.attempts == 1 and row.response_status is None and "public addresses only" in row.error
    assert webhook_attempt(delivery_id=str(row.pk)).status == DeliveryStatus.REFUSED  # not tried again
    assert connects == []


def test_the_task_retries_with_the_services_countdown(receiver, delivery, monkeypatch):
    receiver.expect_request("/hook").respond_with_data("no", status=500)
    asked = []

    class Retry(Exception):
        pass

    def retry(countdown=None, **kwargs):
        asked.append(countdown)
        return Retry()

    monkeypatch.setattr(webhook_deliver, "retry", retry)
    webhook_deliver.push_request(called_directly=False, is_eager=False, retries=0)
    try:
        with pytest.raises(Retry):
            webhook_deliver.run(str(delivery.pk))
    finally:
        webhook_deliver.pop_request()
    assert asked == [30]


def test_the_eager_task_does_not_spin_on_retries(receiver, delivery, eager_celery):
    receiver.expect_request("/hook").respond_with_data("no", status=500)
    result = webhook_deliver.apply(args=(str(delivery.pk),))
    assert result.get() == DeliveryStatus.RETRYING
    assert len(receiver.log) == 1  # the row waits for its next_attempt_at (beat's sweep, or webhooks_deliver)


def test_beats_sweep_queues_only_overdue_deliveries(delivery, monkeypatch):
    from alerts.services import webhooks

    sent = []
    monkeypatch.setattr(
        webhooks.current_app,
        "signature",
        lambda name, args: type("S", (), {"delay": lambda self: sent.append((name, args))})(),
    )
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now - dt.timedelta(seconds=30)
    )
    assert webhooks.webhook_retry_due(now=now) == 0  # its retry message is due now: that one sends it
    assert webhooks.webhook_retry_due(now=now + dt.timedelta(minutes=3)) == 1
    assert sent == [(webhooks.DELIVER_TASK, (str(delivery.pk),))]


def test_the_command_attempts_what_is_due(receiver, delivery):
    from io import StringIO

    from django.core.management import call_command

    receiver.expect_request("/hook").respond_with_data("ok")
    out = StringIO()
    call_command("webhooks_deliver", stdout=out)
    assert out.getvalue().strip() == "1 delivered"
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED
