"""Writes for plans: a user's plan, and the counting of requests and feature uses against it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from turf.audit import audit_write
from turf.cache import CacheUnavailable
from turf.models import ActorKind, AuditAction

from . import counters
from .exceptions import PlanRequired, QuotaExceeded
from .models import Plan, Subscription
from .selectors import (
    RateState,
    plan_cheapest_with,
    plan_for_user,
    plan_unlimited_above,
    rate_state,
    seconds_until_midnight,
)


class PlanChangeError(ValueError):
    pass


def subscription_plan_set(*, user, plan: Plan, actor=None, actor_kind: str | None = None, address=None, **fields):
    """Put ``user`` on ``plan`` (and set the subscription's other ``fields``); a change of plan is audited."""
    with transaction.atomic():
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            user=user, defaults={"plan": plan}
        )
        before = None if created else subscription.plan.code
        subscription.plan = plan
        for name, value in fields.items():
            setattr(subscription, name, value)
        subscription.save()
        if before != plan.code:
            audit_write(
                action=AuditAction.PLAN_CHANGED,
                actor=actor,
                actor_kind=actor_kind,
                subject=user,
                target="plan",
                before={"plan": before},
                after={"plan": plan.code},
                address=address,
            )
    return subscription


def user_plan_set(*, email: str, plan_code: str):
    """Put the account with ``email`` on the plan ``plan_code``; PlanChangeError names what is unknown."""
    User = get_user_model()
    try:
        user = User.objects.get(email__iexact=email.strip())
    except User.DoesNotExist:
        raise PlanChangeError(f"no account with the e-mail address {email!r}") from None
    try:
        plan = Plan.objects.get(code=plan_code.strip().lower())
    except Plan.DoesNotExist:
        codes = ", ".join(Plan.objects.order_by("rank").values_list("code", flat=True))
        raise PlanChangeError(f"no plan {plan_code!r} (plans: {codes})") from None
    subscription_plan_set(user=user, plan=plan, actor_kind=ActorKind.COMMAND)
    return user


def request_count(*, ident: str, per_minute: int, per_day: int, also: tuple[str, ...] = ()) -> RateState:
    """Count one request by ``ident`` in this minute and today; the state's ``wait`` is set past either limit.
    ``also``: today's counters of the same request (its endpoint's), counted in the same round trip."""
    minute_key, day_key, reset = counters.rate_keys(ident)
    keys = [(minute_key, counters.MINUTE_TTL), (day_key, counters.DAY_TTL), *((k, counters.DAY_TTL) for k in also)]
    used_minute, used_day, *_ = counters.hits(keys)
    return rate_state(
        used_minute=used_minute,
        used_day=used_day,
        per_minute=per_minute,
        per_day=per_day,
        reset=reset,
    )


def endpoint_call_key(*, user, endpoint: str) -> str:
    """Today's counter of ``user``'s calls to ``endpoint`` (what ``billing/usage`` lists per endpoint), counted by
    ``request_count`` with the request's limits."""
    return counters.endpoint_key(user.pk, endpoint)


def plan_feature_open(*, user, feature: str) -> Plan:
    """The user's plan if it opens ``feature``; PlanRequired (naming the cheapest plan that does) if not."""
    plan = plan_for_user(user)
    if plan is None or not plan.is_active or not plan.opens(feature):
        opener = plan_cheapest_with(feature)
        current = plan.name if plan else "no plan"
        needed = f"the {opener.name} plan" if opener else "a plan that is not on sale"
        raise PlanRequired(
            f"This endpoint needs {needed} or higher (you are on {current}).",
            needed=opener,
            current=plan,
            feature=feature,
        )
    return plan


def plan_quota_use(*, user, plan: Plan, feature: str) -> None:
    """Count one use of ``feature`` against the plan's daily quota; QuotaExceeded past it."""
    quota = plan.quota(feature)
    if quota is None:
        return
    # Counted before it is judged, so a refused call counts too and nothing comes free by retrying.
    try:
        used = counters.hit(counters.quota_key(user.pk, feature), counters.DAY_TTL)
    except CacheUnavailable:
        return  # fails open, as the request limits (logged by turf.cache; README, "When Redis does not answer")
    if used > quota:
        opener = plan_unlimited_above(plan, feature)
        upgrade = f" {opener.name} has no such limit." if opener else ""
        raise QuotaExceeded(
            f"The {plan.name} plan allows {quota} {feature} call(s) a day; it resets at midnight.{upgrade}",
            wait=seconds_until_midnight(),
            needed=opener,
        )
