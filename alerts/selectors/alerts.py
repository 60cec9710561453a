"""A user's in-app alerts and their preferences, as the API and the pages read them."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Alert, AlertPreference, Channel, EventType
from ..services.events import odds_move_default


def alert_list(*, user, unread: bool = False) -> QuerySet[Alert]:
    """The user's alerts, newest first, with their events (``unread``: those not read yet)."""
    alerts = Alert.objects.filter(user=user).select_related("event")
    return alerts.filter(read_at__isnull=True) if unread else alerts


def alert_unread_count(*, user) -> int:
    """How many of the user's alerts are unread (the pages' badge): one query on the (user, read_at) index."""
    return Alert.objects.filter(user=user, read_at__isnull=True).count()


def alert_preference_list(*, user) -> list[dict]:
    """Every event type with how the user hears of it: their row, else the default (in the app; the odds move
    that counts by default)."""
    rows = {row.event_type: row for row in AlertPreference.objects.filter(user=user)}
    default_percent = odds_move_default()
    preferences = []
    for event_type in EventType:
        row = rows.get(event_type.value)
        percent = row.odds_move_percent if row is not None else None
        preferences.append(
            {
                "event_type": event_type.value,
                "label": event_type.label,
                "channels": list(row.channels) if row is not None else [Channel.IN_APP.value],
                "odds_move_percent": percent if event_type == EventType.ODDS_MOVED else None,
                "odds_move_percent_effective": (percent if percent is not None else default_percent)
                if event_type == EventType.ODDS_MOVED
                else None,
            }
        )
    return preferences
