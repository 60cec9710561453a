"""Reads about plans and what a user may do today."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from . import counters
from .models import Plan, Subscription


@dataclass
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the minute window resets
    day_limit: int
    day_remaining: int
    wait: int | None = None


def subscription_for_user(user) -> Subscription | None:
    """The user's subscription (with its plan), or None for an account that has none (anonymous)."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return Subscription.objects.select_related("plan").get(user_id=user.pk)
    except Subscription.DoesNotExist:
        return None


def plan_for_user(user) -> Plan | None:
    """The user's plan (its subscription's); an account without one is treated as on the cheapest active plan."""
    subscription = subscription_for_user(user)
    return subscription.plan if subscription is not None else plan_list().first()


def plan_list() -> QuerySet[Plan]:
    """The plans on sale, cheapest first."""
    return Plan.objects.filter(is_active=True).order_by("rank")


def plan_cheapest_with(feature: str) -> Plan | None:
    """The cheapest active plan that opens ``feature``: what a refused user is told to buy."""
    for plan in plan_list():
        if plan.opens(feature):
            return plan
    return None


def plan_unlimited_above(plan: Plan, feature: str) -> Plan | None:
    """The cheapest plan above ``plan`` that opens ``feature`` with no daily quota on it."""
    return next(
        (p for p in plan_list().filter(rank__gt=plan.rank) if p.opens(feature) and p.quota(feature) is None), None
    )


def seconds_until_midnight() -> int:
    """Daily windows reset at midnight in the service's time zone (Europe/Paris)."""
    now = timezone.localtime()
    tomorrow = (now + timezone.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


def user_request_limits(user) -> tuple[str, int, int] | None:
    """(counter identity, requests per minute, requests per day) of a user's plan; None without a plan."""
    plan = plan_for_user(user)
    if plan is None:
        return None
    return f"u{user.pk}", plan.requests_per_minute, plan.requests_per_day


def rate_state(*, used_minute: int, used_day: int, per_minute: int, per_day: int, reset: int) -> RateState:
    """Where ``used_*`` requests leave the limits; ``wait`` (seconds) is set once either is passed."""
    state = RateState(
        limit=per_minute,
        remaining=max(0, per_minute - used_minute),
        reset=reset,
        day_limit=per_day,
        day_remaining=max(0, per_day - used_day),
    )
    if used_day > per_day:
        state.wait = seconds_until_midnight()
    elif used_minute > per_minute:
        state.wait = reset
    return state


def request_usage(*, ident: str, per_minute: int, per_day: int) -> RateState:
    """The state of ``ident``'s request limits, read without counting a request."""
    minute_key, day_key, reset = counters.rate_keys(ident)
    return rate_state(
        used_minute=counters.peek(minute_key),
        used_day=counters.peek(day_key),
        per_minute=per_minute,
        per_day=per_day,
        reset=reset,
    )


def plan_usage(*, user, rate: RateState | None = None) -> dict:
    """Today's requests against the user's plan limits and each daily quota's use.

    ``rate`` is the state the current API call was counted into; without it (the dashboard's
    account page) the counters are only read, so looking at one's usage does not use any.
    """
    plan = plan_for_user(user)
    if rate is None:
        ident, per_minute, per_day = user_request_limits(user) or (f"u{user.pk}", 0, 0)
        rate = request_usage(ident=ident, per_minute=per_minute, per_day=per_day)
    quotas = (
        {
            feature: {"limit": limit, "used": min(limit, counters.peek(counters.quota_key(user.pk, feature)))}
            for feature, limit in (plan.daily_quotas or {}).items()
        }
        if plan
        else {}
    )
    return {
        "date": counters.day_window(),
        "requests_today": rate.day_limit - rate.day_remaining,
        "requests_per_day": rate.day_limit,
        "requests_this_minute": rate.limit - rate.remaining,
        "requests_per_minute": rate.limit,
        "quotas": quotas,
    }
