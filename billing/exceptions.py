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
