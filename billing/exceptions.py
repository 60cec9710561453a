"""The plan gate's refusals, with stable codes; the envelope handler in turf.api renders them."""

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled


class PlanRequired(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Your plan does not open this endpoint."
    default_code = "plan_required"

    def __init__(self, detail: str | None = None, *, needed=None, current=None, feature: str | None = None):
        super().__init__(detail)
        # What the dashboard's upgrade notice names: the cheapest plan that opens the feature.
        self.needed, self.current, self.feature = needed, current, feature


class QuotaExceeded(Throttled):
    default_code = "quota_exceeded"

    def __init__(self, detail: str, wait: int, *, needed=None):
        super().__init__(wait=wait, detail=detail)
        self.detail = detail  # keep our sentence; DRF would append its own "expected available in" text
        self.needed = needed  # the cheapest plan above with no such quota, if any


class RateLimited(Throttled):
    """Over a request limit (per minute or per day): says whose limit it is (the plan's, an address's, the pages')
    and when it resets; the envelope carries them beside the message (``extra``), the pages render them."""

    default_code = "throttled"

    def __init__(self, detail: str, *, wait: int, plan=None, limit: int, period: str, resets_at, scope: str):
        super().__init__(wait=wait, detail=detail)
        self.detail = detail  # keep our sentence; DRF would append its own "expected available in" text
        self.plan, self.limit, self.period, self.resets_at, self.scope = plan, limit, period, resets_at, scope
        self.extra = {
            "plan": plan.code if plan is not None else None,
            "limit": limit,
            "period": period,
            "resets_at": resets_at.isoformat(timespec="seconds"),
        }
