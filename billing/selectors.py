"""Reads about plans and what a user may do today."""

from __future__ import annotations

from django.utils import timezone

from .models import Plan


def plan_for_user(user) -> Plan | None:
    """The user's plan; an account without one is treated as on the cheapest active plan."""
    plan = getattr(user, "plan", None)
    if plan is not None:
        return plan
    return Plan.objects.filter(is_active=True).order_by("rank").first()


def plan_cheapest_with(feature: str) -> Plan | None:
    """The cheapest active plan that opens ``feature``: what a refused user is told to buy."""
    for plan in Plan.objects.filter(is_active=True).order_by("rank"):
        if plan.opens(feature):
            return plan
    return None


def seconds_until_midnight() -> int:
    """Daily windows reset at midnight in the service's time zone (Europe/Paris)."""
    now = timezone.localtime()
    tomorrow = (now + timezone.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))
