"""Reads about plans and what a user may do today."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from turf.cache import get_many

from . import counters
from .models import Plan, Subscription, SubscriptionStatus


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


# A Stripe subscription in one of these states still exists at Stripe (it may be paid again, or is being paid):
# the subscriber manages it in the portal rather than buying a second one.
LIVE_STATUSES = frozenset(
    {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.INCOMPLETE,
        SubscriptionStatus.PAUSED,
    }
)


def subscription_is_paid(subscription: Subscription | None) -> bool:
    """Whether the subscription is a Stripe subscription that has not ended."""
    return bool(
        subscription is not None and subscription.stripe_subscription_id and subscription.status in LIVE_STATUSES
    )


_READ = object()


def subscription_summary(user, *, subscription: Subscription | object | None = _READ) -> dict:
    """The user's subscription as ``billing/subscription`` and the account page show it (``subscription``: the
    user's, already read, or None for none)."""
    if subscription is _READ:
        subscription = subscription_for_user(user)
    plan = subscription.plan if subscription is not None else plan_for_user(user)
    return {
        "plan": plan,
        "status": subscription.status if subscription is not None else SubscriptionStatus.ACTIVE,
        "current_period_end": getattr(subscription, "current_period_end", None),
        "cancel_at_period_end": bool(getattr(subscription, "cancel_at_period_end", False)),
        "past_due_since": getattr(subscription, "past_due_since", None),
        "paid": subscription_is_paid(subscription),
        "payments_enabled": bool(settings.STRIPE_SECRET_KEY),
    }


def plan_for_user(user) -> Plan | None:
    """The user's plan (its subscription's); an account without one is treated as on the cheapest active plan.
    A request's user authenticated by its snapshot (``accounts.snapshot``) has it there, current, without a query."""
    snapshot = getattr(user, "turf_snapshot", None)
    if snapshot is not None and "plan" in snapshot:
        return plan_from_snapshot(snapshot)
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
    return user_counter_ident(user.pk), plan.requests_per_minute, plan.requests_per_day


def user_counter_ident(user_id: int) -> str:
    """The identity a subscriber's requests are counted under (``billing.counters.rate_keys``)."""
    return f"u{user_id}"


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


# The methods a call may use; a route's counters are looked up for each (one read of the cache for them all).
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
UNKNOWN_ENDPOINT = "(no such endpoint)"


def endpoint_label(method: str, route: str) -> str:
    """How ``billing/usage`` names an endpoint: ``GET /api/v1/courses/<str:code>/predictions``; the catch-all of
    unknown API paths (a regular expression) as one."""
    route = route.removeprefix("^").removesuffix("$")
    if any(char in route for char in "[(*\\"):
        return f"{method} {UNKNOWN_ENDPOINT}"
    return f"{method} /{route}"


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^") if prefix else str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":  # staff pages: not behind the plan gate, never counted
                yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


@lru_cache(maxsize=4)
def _endpoints(urlconf: str) -> tuple[str, ...]:
    routes = list(_routes(get_resolver(urlconf).url_patterns))
    return tuple(sorted({endpoint_label(method, route) for route in routes for method in METHODS}))


def endpoint_usage(user) -> list[dict]:
    """Today's calls by ``user`` per endpoint (API calls and data pages), the busiest first."""
    keys = {counters.endpoint_key(user.pk, endpoint): endpoint for endpoint in _endpoints(settings.ROOT_URLCONF)}
    counts = get_many(list(keys), "counters") or {}  # none when the cache does not answer (logged)
    rows = [{"endpoint": keys[key], "calls": int(calls)} for key, calls in counts.items() if calls]
    return sorted(rows, key=lambda row: (-row["calls"], row["endpoint"]))


# Billing's part of a user's cached snapshot (``accounts.snapshot``, by the ``TURF_USER_SNAPSHOT`` setting): the
# plan, as the plan gate reads it on every request without a query.
PLAN_FIELDS = tuple(field.attname for field in Plan._meta.concrete_fields)


def plan_snapshot_part(user) -> dict:
    """``{"plan": its fields}`` of the user's plan (``plan_for_user``), ``{"plan": None}`` without one."""
    plan = plan_for_user(user)
    return {"plan": {name: getattr(plan, name) for name in PLAN_FIELDS} if plan is not None else None}


def plan_from_snapshot(snapshot: dict) -> Plan | None:
    """The plan a snapshot holds, as a row read from the database (read only: the gate's questions); built once
    per snapshot (a request asks for it several times: the limits, the feature, the quota)."""
    fields = snapshot.get("plan")
    if fields is None:
        return None
    built = snapshot.get(_BUILT)
    if built is not None and built[0] is fields:
        return built[1]
    plan = Plan(**fields)
    plan._state.adding, plan._state.db = False, "default"
    snapshot[_BUILT] = (fields, plan)
    return plan


_BUILT = "_plan_built"  # the snapshot's plan as built, beside the fields it was built from (never cached)
