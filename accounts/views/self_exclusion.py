"""Self-exclusion: ask for it (or extend it), see it. There is no way to lift it early, so no DELETE."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.audit import request_address

from ..serializers.self_exclusion import SelfExclusionRequestSerializer, SelfExclusionSerializer
from ..services.self_exclusion import self_exclusion_active, self_exclusion_history, self_exclusion_start


class SelfExclusionView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your self-exclusion in force (null when none) and every one you asked for",
        tags=["auth"],
        responses={
            200: inline_serializer(
                "SelfExclusionState",
                {
                    "active": SelfExclusionSerializer(allow_null=True),
                    "history": SelfExclusionSerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        active = self_exclusion_active(user=request.user)
        return Response(
            {
                "active": SelfExclusionSerializer(active).data if active else None,
                "history": SelfExclusionSerializer(self_exclusion_history(user=request.user), many=True).data,
            }
        )

    @extend_schema(
        summary="Exclude yourself from picks, value bets and alerts for 1 day to 1 year (it cannot be lifted early)",
        tags=["auth"],
        request=SelfExclusionRequestSerializer,
        responses={
            201: SelfExclusionSerializer,
            409: OpenApiResponse(
                description="`conflict`: you are already excluded until a later date; an exclusion can only be "
                "extended, never shortened or lifted."
            ),
        },
    )
    def post(self, request):
        body = SelfExclusionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exclusion = self_exclusion_start(user=request.user, address=request_address(request), **body.validated_data)
        return Response(SelfExclusionSerializer(exclusion).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("auth/self-exclusion", SelfExclusionView.as_view(), name="auth-self-exclusion"),
]
