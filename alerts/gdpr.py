"""What the alerts app holds about a user, for their export (GDPR Art. 15; ``settings.TURF_ACCOUNT_DATA``): what
they follow, how they want to be told, what they were told, and their webhooks (never the signing secret)."""

from __future__ import annotations

from .models import TARGET_FIELDS, Alert, AlertPreference, MailBatch, WatchlistEntry, WebhookDelivery, WebhookEndpoint


def account_data(user) -> dict:
    watchlist = []
    for entry in WatchlistEntry.objects.filter(user=user).select_related(*TARGET_FIELDS.values()).order_by("id"):
        watchlist.append(
            {"type": entry.kind, "id": entry.target_id, "name": str(entry.target), "created_at": entry.created_at}
        )
    endpoints = list(
        WebhookEndpoint.objects.filter(user=user)
        .order_by("id")
        .values("id", "url", "events", "is_active", "failing_since", "disabled_at", "disabled_reason", "created_at")
    )
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint__user=user)
        .order_by("created_at")
        .values("id", "endpoint_id", "event_type", "status", "attempts", "response_status", "response_ms", "created_at")
    )
    return {
        "watchlist": watchlist,
        "alert_preferences": list(
            AlertPreference.objects.filter(user=user)
            .order_by("event_type")
            .values("event_type", "channels", "odds_move_percent")
        ),
        "alerts": list(
            Alert.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("event__type", "event__payload", "created_at", "read_at")
        ),
        "alert_mails": list(
            MailBatch.objects.filter(user=user).order_by("created_at").values("race_id", "created_at", "sent_at")
        ),
        "webhooks": [
            {**endpoint, "deliveries": [d for d in deliveries if d["endpoint_id"] == endpoint["id"]]}
            for endpoint in endpoints
        ],
    }
