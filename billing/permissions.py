"""The one permission class for plan gating. Views declare ``required_feature``; plans (rows) decide."""

from __future__ import annotations

import logging

from rest_framework.permissions import BasePermission

from .services import plan_feature_open, plan_feature_use

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
        validates_first = getattr(view, "validates_query_first", None)
        if validates_first is not None and validates_first(request):
            # The view counts the quota itself once the query is valid: a bad query costs no quota.
            request.plan = plan_feature_open(user=user, feature=feature)  # raises PlanRequired
        else:
            plan_feature_use(user=user, feature=feature)  # raises PlanRequired / QuotaExceeded
        return True
