"""Webhooks: a pro user's endpoints, the signed body of each event, and the deliveries a fan-out queues.

``webhooks_enqueue`` is how the events' fan-out hands an event to the webhook channel: a delivery row per active
endpoint of the given users that lists the event's type (once per endpoint and event), each sent by the
``alerts.webhook_deliver`` task once the rows are committed. ``webhook_attempt`` is one attempt of a delivery
(the task retries it with an exponential backoff for ``TURF_WEBHOOK_RETRY_HOURS``); an endpoint failing that long
is disabled and its owner mailed. Every attempt passes the SSRF guard (``addresses.address_check``) first and
connects to the address it checked; redirects are not followed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import urllib3
from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError

from accounts.mail import mail_send
from turf.errors import Conflict

from ..models import DeliveryStatus, Event, EventType, WebhookDelivery, WebhookEndpoint
from .addresses import AddressRefused, address_check

logger = logging.getLogger(__name__)

DELIVER_TASK = "alerts.webhook_deliver"
TEST_EVENT = "webhook.test"  # the "send a test event" action's type: no Event row behind it
SECRET_PREFIX = "whsec_"
USER_AGENT = "Turf-Webhooks/1"
RESPONSE_READ_BYTES = 1024  # what is read of a receiver's answer: only its status matters
ERROR_CHARS = 300  # WebhookDelivery.error's length
EARLY = dt.timedelta(seconds=5)  # how early a retry may run (clocks of the worker and the broker apart)
SWEEP_GRACE = dt.timedelta(minutes=2)  # how late a delivery is before beat's sweep sends it again


def event_body(*, event_id: str, event_type: str, created: str, payload: dict) -> str:
    """The JSON body every endpoint receives for an event: ``{"id", "type", "created", "data"}``, compact, keys
    sorted (the exact text signed and stored in the delivery)."""
    document = {"id": event_id, "type": event_type, "created": created, "data": payload}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature_header(*, secret: str, body: str, timestamp: int) -> str:
    """``X-Turf-Signature``: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret>``."""
    signed = f"{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhooks_enqueue(*, event: Event, user_ids: Iterable[int]) -> int:
    """Queue ``event`` to every active endpoint of ``user_ids`` that lists its type; the number of deliveries
    created (an endpoint already given this event is not given it again)."""
    user_ids = list(user_ids)
    if not user_ids:
        return 0
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(user_id__in=user_ids, is_active=True).only("id", "events")
        if event.type in endpoint.events
    ]
    if not endpoints:
        return 0
    body = event_body(
        event_id=str(event.id), event_type=event.type, created=event.created_at.isoformat(), payload=event.payload
    )
    created = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event=event, event_type=event.type, body=body) for endpoint in endpoints],
        ignore_conflicts=True,
    )
    fresh = list(
        WebhookDelivery.objects.filter(
            event=event, endpoint__in=endpoints, attempts=0, last_attempt_at__isnull=True
        ).values_list("id", flat=True)
    )
    transaction.on_commit(lambda: [current_app.signature(DELIVER_TASK, args=(str(pk),)).delay() for pk in fresh])
    return len(created) if fresh else 0


@dataclass(frozen=True)
class NewWebhook:
    """An endpoint just registered, and its secret (returned this once; kept only to sign)."""

    endpoint: WebhookEndpoint
    secret: str


@dataclass(frozen=True)
class Attempt:
    """What one attempt of a delivery did: its status afterwards, and the seconds before the next attempt (None:
    no more attempts)."""

    status: str
    retry_in: int | None = None


def webhook_secret_new() -> str:
    """A signing secret: ``whsec_`` and 256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_create(*, user, url: str, events: list[str]) -> NewWebhook:
    """Register ``url`` for ``events`` (each an ``EventType``): 400 for an unknown type or an address the SSRF
    guard refuses, 409 past ``TURF_WEBHOOK_MAX_ENDPOINTS``."""
    unknown = sorted(set(events) - set(EventType.values))
    if unknown:
        raise ValidationError({"events": [f"unknown event type {name!r}." for name in unknown]})
    try:
        address_check(url=url)
    except AddressRefused as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    most = settings.TURF_WEBHOOK_MAX_ENDPOINTS
    secret = webhook_secret_new()
    with transaction.atomic():
        # The user's row locked while the endpoints are counted: two requests at once cannot both pass the cap.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if WebhookEndpoint.objects.filter(user=user).count() >= most:
            raise Conflict(f"You have {most} webhook endpoints, the most an account may hold: delete one first.")
        endpoint = WebhookEndpoint.objects.create(user=user, url=url, events=list(dict.fromkeys(events)), secret=secret)
    logger.info("webhook endpoint %s registered by user %s", endpoint.pk, user.pk)  # never the secret
    return NewWebhook(endpoint=endpoint, secret=secret)


def webhook_delete(*, user, webhook_id: int) -> None:
    """Delete one of ``user``'s endpoints and its deliveries (404 for anybody else's)."""
    deleted, _rows = WebhookEndpoint.objects.filter(user=user, pk=webhook_id).delete()
    if not deleted:
        raise NotFound(f"You have no webhook {webhook_id}.")


def webhook_test_send(*, user, webhook_id: int) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to one of ``user``'s endpoints (404 for anybody else's), now; the delivery.

    Sent to a disabled endpoint too: once one is delivered, the endpoint is active again."""
    endpoint = WebhookEndpoint.objects.filter(user=user, pk=webhook_id).first()
    if endpoint is None:
        raise NotFound(f"You have no webhook {webhook_id}.")
    now = timezone.now()
    body = event_body(
        event_id=str(uuid.uuid4()),
        event_type=TEST_EVENT,
        created=now.isoformat(),
        payload={"message": "A test event from Turf: your endpoint receives and verifies our webhooks."},
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=None, event_type=TEST_EVENT, body=body)
    transaction.on_commit(lambda: current_app.signature(DELIVER_TASK, args=(str(delivery.pk),)).delay())
    return delivery


def backoff_seconds(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt: ``TURF_WEBHOOK_BACKOFF`` doubling, capped at
    ``TURF_WEBHOOK_BACKOFF_MAX``."""
    return min(settings.TURF_WEBHOOK_BACKOFF * 2 ** min(max(attempts - 1, 0), 30), settings.TURF_WEBHOOK_BACKOFF_MAX)


def webhook_attempt(*, delivery_id: str, now: dt.datetime | None = None) -> Attempt:
    """One attempt of a delivery: checked by the SSRF guard, POSTed signed to the address checked, recorded on
    the row. A delivery delivered, failed or refused is not sent again; the row is locked while it is sent (a
    second worker skips it). ``now``: the clock (tests set it)."""
    now = now or timezone.now()
    window = dt.timedelta(hours=settings.TURF_WEBHOOK_RETRY_HOURS)
    disabled = None
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "endpoint__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:  # gone (its endpoint deleted) or being sent by another worker
            return Attempt(status="skipped")
        if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.REFUSED):
            return Attempt(status=delivery.status)
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY:
            return Attempt(status=delivery.status)  # a second message for an attempt not yet due: that one sends it
        endpoint = delivery.endpoint
        if not endpoint.is_active and delivery.event_id is not None:  # a test event is how one comes back
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.error = "The endpoint is disabled."
            delivery.save(update_fields=["status", "next_attempt_at", "error"])
            return Attempt(status=delivery.status)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status = delivery.response_ms = None
        try:
            target = address_check(url=endpoint.url)
        except AddressRefused as exc:
            delivery.status, delivery.error, delivery.next_attempt_at = DeliveryStatus.REFUSED, str(exc), None
        else:
            delivery.response_status, delivery.response_ms, delivery.error = _post(target, delivery, endpoint, now)
            if delivery.response_status is not None and 200 <= delivery.response_status < 300:
                delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        retry_in = None
        if delivery.status == DeliveryStatus.DELIVERED:
            if endpoint.failing_since is not None or not endpoint.is_active:
                endpoint.failing_since = endpoint.disabled_at = None
                endpoint.is_active, endpoint.disabled_reason = True, ""
                endpoint.save(update_fields=["failing_since", "disabled_at", "is_active", "disabled_reason"])
        else:
            if delivery.status != DeliveryStatus.REFUSED:
                left = (delivery.created_at + window - now).total_seconds()
                if left > 0:
                    retry_in = max(1, min(backoff_seconds(delivery.attempts), int(left)))
                    delivery.status = DeliveryStatus.RETRYING
                    delivery.next_attempt_at = now + dt.timedelta(seconds=retry_in)
                else:
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            disabled = _endpoint_failed(endpoint, now=now, window=window, error=delivery.error)
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "next_attempt_at",
                "response_status",
                "response_ms",
                "error",
                "delivered_at",
            ]
        )
    if disabled is not None:
        _mail_disabled(disabled)
    return Attempt(status=delivery.status, retry_in=retry_in)


def webhook_retry_due(*, now: dt.datetime | None = None) -> int:
    """Queue again the deliveries overdue by ``SWEEP_GRACE`` (a message lost, a worker killed, or the embedded
    mode, whose eager Celery cannot wait for a retry): how many."""
    now = now or timezone.now()
    late = now - SWEEP_GRACE
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=late)
            | Q(status=DeliveryStatus.PENDING, created_at__lte=late)
        ).values_list("id", flat=True)[:1000]
    )
    for pk in due:
        current_app.signature(DELIVER_TASK, args=(str(pk),)).delay()
    return len(due)


def _post(target, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: dt.datetime):
    """POST the delivery's body to ``target``'s checked address (the name only in the Host header and TLS):
    (status or None, milliseconds, error text)."""
    body = delivery.body.encode()
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    signature = signature_header(secret=endpoint.secret, body=delivery.body, timestamp=int(now.timestamp()))
    headers = {
        "Host": host if target.port == default_port else f"{host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Turf-Signature": signature,
        "X-Turf-Event": delivery.event_type,
        "X-Turf-Delivery": str(delivery.pk),
    }
    timeout = urllib3.Timeout(total=settings.TURF_WEBHOOK_TIMEOUT)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            response.read(RESPONSE_READ_BYTES)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        elapsed = round((time.monotonic() - started) * 1000)
        return None, elapsed, f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
    finally:
        pool.close()
    elapsed = round((time.monotonic() - started) * 1000)
    status = response.status
    if 200 <= status < 300:
        return status, elapsed, ""
    if 300 <= status < 400:
        return status, elapsed, f"HTTP {status}: a redirect, not followed (give the final URL)."
    return status, elapsed, f"HTTP {status}."


def _endpoint_failed(endpoint: WebhookEndpoint, *, now: dt.datetime, window: dt.timedelta, error: str):
    """Note a failure of ``endpoint``; the endpoint if this failure disables it (failing since longer than the
    retry window), else None."""
    fields = []
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        fields.append("failing_since")
    disables = endpoint.is_active and now - endpoint.failing_since >= window
    if disables:
        endpoint.is_active, endpoint.disabled_at = False, now
        since = endpoint.failing_since.strftime("%Y-%m-%d %H:%M UTC")
        endpoint.disabled_reason = f"Failing since {since}: {error}"[:200]
        fields += ["is_active", "disabled_at", "disabled_reason"]
    if fields:
        endpoint.save(update_fields=fields)
    return endpoint if disables else None


def _mail_disabled(endpoint: WebhookEndpoint) -> None:
    user = endpoint.user
    mail_send(
        to=user.email,
        template="webhook_disabled",
        subject=_("Your Turf webhook was disabled"),
        context={"endpoint": endpoint, "retry_hours": settings.TURF_WEBHOOK_RETRY_HOURS},
        user=user,
    )
    logger.warning("webhook endpoint %s disabled after failing since %s", endpoint.pk, endpoint.failing_since)
