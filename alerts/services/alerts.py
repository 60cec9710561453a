"""A user's in-app alerts read, and how they want to hear of each event type."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound

from billing.exceptions import PlanRequired
from billing.models import Feature
from billing.services import plan_feature_open
from turf.cache import CACHE_ERRORS, cache_warn

from ..models import Alert, AlertPreference, Channel, EventType
from ..selectors.alerts import unread_key


def alert_unread_forget(*, user_ids) -> None:
    """Forget the cached unread counts of ``user_ids`` once the transaction commits (the badge reads them again)."""
    keys = [unread_key(user_id) for user_id in user_ids]
    if keys:
        transaction.on_commit(lambda: _forget(keys))


def _forget(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except CACHE_ERRORS as exc:
        cache_warn("alert badges", exc)


def alert_read(*, user, alert_id: int) -> Alert:
    """Mark one of the user's alerts read (another user's is not found); reading it again changes nothing."""
    alert = Alert.objects.filter(user=user, pk=alert_id).select_related("event").first()
    if alert is None:
        raise NotFound("No such alert.")
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
        alert_unread_forget(user_ids=[user.pk])
    return alert


def alerts_read_all(*, user) -> int:
    """Mark every unread alert of the user read; how many were."""
    read = Alert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    alert_unread_forget(user_ids=[user.pk])
    return read


def alert_preferences_set(*, user, preferences: list[dict]) -> None:
    """Set the channels (and for ``odds.moved`` the move that counts) of the event types given, atomically; the
    webhook channel only where the user's plan opens webhooks (403 ``plan_required`` otherwise, nothing saved)."""
    if any(Channel.WEBHOOK in item["channels"] for item in preferences):
        try:
            plan_feature_open(user=user, feature=Feature.WEBHOOKS)
        except PlanRequired as exc:
            # The gate's refusal, naming the cheapest plan that opens webhooks, said of the channel.
            raise PlanRequired(
                f"Alerts by webhook: {exc.detail}", needed=exc.needed, current=exc.current, feature=exc.feature
            ) from None
    with transaction.atomic():
        for item in preferences:
            percent: Decimal | None = item.get("odds_move_percent")
            AlertPreference.objects.update_or_create(
                user=user,
                event_type=item["event_type"],
                defaults={
                    "channels": list(dict.fromkeys(item["channels"])),
                    "odds_move_percent": percent if item["event_type"] == EventType.ODDS_MOVED else None,
                },
            )
