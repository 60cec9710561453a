"""Betting limits on the bankroll tracker: read them, change them (responsible gambling)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.audit import request_address

from ..serializers.limits import BettingLimitsSerializer, BettingLimitsUpdateSerializer
from ..services.limits import betting_limits_get, betting_limits_set

LIMITS_ANSWER = inline_serializer(
    "BettingLimitsAnswer",
    {
        "data": BettingLimitsSerializer(),
        "raise_delay_hours": serializers.IntegerField(help_text="how long a raised or lifted limit waits"),
    },
)


def _answer(state: list[dict]) -> Response:
    data = {row["kind"]: row for row in state}
    return Response(
        {
            "data": BettingLimitsSerializer(data).data,
            "raise_delay_hours": settings.RG_LIMIT_RAISE_DELAY_HOURS,
        }
    )


class BettingLimitsView(TurfAPIView):
    required_feature = "bankroll"

    @extend_schema(
        summary="Your betting limits: in force, pending, used this period, remaining",
        tags=["bankroll"],
        responses={200: LIMITS_ANSWER},
    )
    def get(self, request):
        return _answer(betting_limits_get(user=request.user))

    @extend_schema(
        summary="Set, lower, raise or lift your betting limits (lower at once, raise or lift after 48 hours)",
        tags=["bankroll"],
        request=BettingLimitsUpdateSerializer,
        responses={200: LIMITS_ANSWER},
    )
    def put(self, request):
        body = BettingLimitsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        state = betting_limits_set(user=request.user, changes=body.validated_data, address=request_address(request))
        return _answer(state)
