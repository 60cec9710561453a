"""Webhooks: a pro user's endpoints, the signed body of each event, and the deliveries a fan-out queues.

``webhooks_enqueue`` is how the events' fan-out hands an event to the webhook channel: a delivery row per active
endpoint of the given users that lists the event's type (once per endpoint and event), each sent by the
``alerts.webhook_deliver`` task once the rows are committed."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

from celery import current_app
from django.db import transaction

from ..models import Event, WebhookDelivery, WebhookEndpoint

DELIVER_TASK = "alerts.webhook_deliver"


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
