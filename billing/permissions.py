"""The one permission class for plan gating. Views declare ``required_feature``; plans (rows) decide."""

from __future__ import annotations

import logging

from rest_framework.permissions import BasePermission

from .services import plan_feature_open

logger = logging.getLogger("turf.billing")


class PlanFeature(BasePermission):
    """Allow a request whose user's plan opens the view's ``required_feature`` (fails closed); counts nothing."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # answered 401 (or, on a page, the log-in redirect) by the caller
        feature = getattr(view, "required_feature", None)
        if not feature:
            logger.error("%s declares no required_feature: refused", type(view).__name__)
            return False
        # PlanRequired (naming the cheapest plan that opens it) otherwise; the gate counts the quota with this plan.
        request.plan = plan_feature_open(user=user, feature=feature)
        return True
