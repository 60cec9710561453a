"""``auth/me``: the profile accounts keeps, with the plan and today's usage billing keeps."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.serializers import UserSerializer
from turf.apiviews import TurfAPIView

from ..selectors import plan_for_user, plan_usage
from ..serializers import PlanSerializer


class MeView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your profile, plan and today's usage",
        tags=["auth"],
        responses={
            200: inline_serializer(
                "Me", {"user": UserSerializer(), "plan": PlanSerializer(), "usage": serializers.DictField()}
            )
        },
    )
    def get(self, request):
        user = request.user
        plan = plan_for_user(user)
        return Response(
            {
                "user": UserSerializer(user).data,
                "plan": PlanSerializer(plan).data if plan else None,
                "usage": plan_usage(user=user, rate=request.rate_state),
            }
        )
