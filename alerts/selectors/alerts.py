"""A user's in-app alerts and their preferences, as the API and the pages read them."""

from __future__ import annotations

from django.db.models import QuerySet

from turf.cache import get_many, set_quietly

from ..models import Alert, AlertPreference, Channel, EventType
from ..services.events import odds_move_default


def alert_list(*, user, unread: bool = False) -> QuerySet[Alert]:
    """The user's alerts, newest first, with their events (``unread``: those not read yet)."""
    alerts = Alert.objects.filter(user=user).select_related("event")
    return alerts.filter(read_at__isnull=True) if unread else alerts


def alert_unread_count(*, user) -> int:
    """How many of the user's alerts are unread (the pages' badge): one query on the (user, read_at) index."""
    return Alert.objects.filter(user=user, read_at__isnull=True).count()


# The pages' badge keeps a user's unread count in the shared cache this long at most; the fan-out and the reads
# forget it (``alert_unread_forget``), so the bound only matters for a count computed while a fan-out committed.
UNREAD_SECONDS = 60


def unread_key(user_id: int) -> str:
    return f"alerts.unread:{user_id}"


def alert_unread_badge(*, user_id: int) -> int:
    """The unread count as every page's nav shows it: from the shared cache (no SQL) when it is there, else
    ``alert_unread_count`` (one query), kept for ``UNREAD_SECONDS``. A cache that does not answer: the query."""
    key = unread_key(user_id)
    found = get_many([key], "alert badges")
    if found and key in found:
        return found[key]
    count = Alert.objects.filter(user_id=user_id, read_at__isnull=True).count()
    set_quietly(key, count, UNREAD_SECONDS, "alert badges")
    return count


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
