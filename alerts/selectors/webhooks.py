"""The alerts' reads: a user's webhook endpoints and their deliveries."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from ..models import WebhookDelivery, WebhookEndpoint


def webhook_list(*, user) -> QuerySet[WebhookEndpoint]:
    """The user's endpoints, newest first (the secret never leaves the row through a selector's caller: the
    serializers do not name it)."""
    return WebhookEndpoint.objects.filter(user=user).order_by("-created_at", "-id")


def webhook_get(*, user, webhook_id: int) -> WebhookEndpoint:
    """One of the user's endpoints; 404 for anybody else's."""
    endpoint = WebhookEndpoint.objects.filter(user=user, pk=webhook_id).first()
    if endpoint is None:
        raise NotFound(f"You have no webhook {webhook_id}.")
    return endpoint


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first, without their bodies."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).defer("body").order_by("-created_at", "-id")
