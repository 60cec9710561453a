"""The one permission class for plan gating. Views declare ``required_feature``; plans (rows) decide."""

from __future__ import annotations

import logging

from rest_framework.permissions import BasePermission

from turf.errors import PlanRequired, QuotaExceeded

from . import counters
from .selectors import plan_cheapest_with, plan_for_user, seconds_until_midnight

logger = logging.getLogger("turf.billing")


class PlanFeature(BasePermission):
    """Let a request through when the user's plan opens the view's ``required_feature`` (fails closed)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 for an unauthenticated request
        feature = getattr(view, "required_feature", None)
        if not feature:
            logger.error("%s declares no required_feature: refused", view.__class__.__name__)
            return False
        plan = plan_for_user(user)
        if plan is None or not plan.is_active or not plan.opens(feature):
            opener = plan_cheapest_with(feature)
            current = plan.name if plan else "no plan"
            needed = f"the {opener.name} plan" if opener else "a plan that is not on sale"
            raise PlanRequired(f"This endpoint needs {needed} or higher (you are on {current}).")
        quota = plan.quota(feature)
        if quota is not None:
            used = counters.hit(f"quota:{user.pk}:{feature}:{counters.day_window()}", 86_400 + 60)
            if used > quota:
                opener = next(
                    (p for p in _plans_above(plan) if p.opens(feature) and p.quota(feature) is None), None
                )
                upgrade = f" {opener.name} has no such limit." if opener else ""
                raise QuotaExceeded(
                    f"The {plan.name} plan allows {quota} {feature} call(s) a day; it resets at midnight.{upgrade}",
                    wait=seconds_until_midnight(),
                )
        return True


def _plans_above(plan):
    from .models import Plan

    return Plan.objects.filter(is_active=True, rank__gt=plan.rank).order_by("rank")
