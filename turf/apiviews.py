"""Base classes every v1 endpoint builds on: plan gating, rate-limit headers, strict pagination."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.permissions import PlanFeature
from billing.services import plan_quota_use
from billing.throttles import PlanRateThrottle, RateState, rate_headers


class TurfAPIView(APIView):
    """An authenticated v1 endpoint gated by ``required_feature`` and the plan's request limits."""

    permission_classes = [IsAuthenticated, PlanFeature]
    throttle_classes = [PlanRateThrottle]
    required_feature: str | None = None
    # The GET query's serializer: validated after the plan check and before the plan's daily quota
    # is counted (a 400 costs no quota), then read as ``self.params``.
    get_params: type[serializers.Serializer] | None = None
    params: dict = {}

    def initial(self, request, *args, **kwargs):
        # Count the request against the limits before permissions, so that refused calls count
        # too and every answer, 401/403 included, carries the rate-limit headers.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)
        if self.validates_query_first(request):
            self.params = parse_params(self.get_params, request)
            if self.required_feature:
                plan_quota_use(user=request.user, plan=request.plan, feature=self.required_feature)

    def validates_query_first(self, request) -> bool:
        """Whether this request's query is validated before the daily quota is counted (PlanFeature asks too)."""
        return self.get_params is not None and request.method in ("GET", "HEAD")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state: RateState | None = getattr(request, "rate_state", None)
        if state is None:
            # Authentication failed before the throttle ran: show the anonymous limits.
            throttle = PlanRateThrottle()
            _, per_minute, per_day = throttle.limits(request)
            state = RateState(
                limit=per_minute, remaining=per_minute, reset=60, day_limit=per_day, day_remaining=per_day
            )
        for name, value in rate_headers(state).items():
            response[name] = value
        return response


class PublicAPIView(TurfAPIView):
    """A v1 endpoint open to anonymous visitors (rate-limited per IP)."""

    permission_classes: list = []
    authentication_classes: list = []


def parse_params(serializer_class, request) -> dict:
    """Validate query parameters; a bad one is a 400 that names it."""
    unknown_types = {k: v for k, v in request.query_params.lists() if len(v) > 1}
    if unknown_types:
        name = next(iter(unknown_types))
        raise ValidationError({name: "give this parameter once."})
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def paginated(rows, *, total: int, limit: int, offset: int, **extra) -> Response:
    """The one list shape: ``{"version", "data", "pagination": {total, limit, offset, has_more}}``."""
    body = {
        "version": settings.TURF_VERSION,
        "data": rows,
        "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": offset + len(rows) < total},
    }
    body.update(extra)
    return Response(body)
