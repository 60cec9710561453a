"""Webhooks' request and response shapes: the secret appears only in the creation's answer."""

from __future__ import annotations

from rest_framework import serializers

from turf.serializers import StrictSerializer

from ..models import DeliveryStatus, EventType


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=500,
        help_text="https only; its host must resolve to public addresses only (no private, loopback, "
        "link-local or metadata address)",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        max_length=len(EventType.choices),
        help_text="the event types sent to it",
    )


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField(help_text="false once disabled (failing for the whole retry window)")
    failing_since = serializers.DateTimeField(allow_null=True, help_text="first failure since the last success")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): shown this once. Verify X-Turf-Signature with it; keep it secret."
    )


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="also sent as X-Turf-Delivery")
    event_id = serializers.UUIDField(allow_null=True, help_text="null for a test event")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    response_status = serializers.IntegerField(allow_null=True, help_text="the last attempt's HTTP status")
    response_ms = serializers.IntegerField(allow_null=True, help_text="the last attempt's time, milliseconds")
    error = serializers.CharField(help_text="why the last attempt failed; empty once delivered")
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
