"""The account itself: rectify (PATCH, GDPR Art. 16), erase (DELETE, Art. 17), export (GET data, Art. 15)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from turf.apiviews import TurfAPIView

from ..serializers import UserSerializer
from ..serializers.lifecycle import ProfileAnswerSerializer, ProfileSerializer
from ..services.profile import email_change_pending, profile_update


class AccountView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    # -- PATCH: the profile (name; a new e-mail address is verified again) -----------------------------

    @extend_schema(
        summary="Rectify your profile: the name at once; a new e-mail address once the code mailed to it is confirmed",
        request=ProfileSerializer,
        responses={
            200: ProfileAnswerSerializer,
            409: OpenApiResponse(description="The new address has an account."),
            429: OpenApiResponse(description="Too many address changes asked for (`too_many_attempts`)."),
        },
        tags=["auth"],
    )
    def patch(self, request):
        data = ProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = profile_update(user=request.user, request=request, **data.validated_data)
        pending = email_change_pending(user=user)
        message = (
            f"We mailed a code to {pending}: confirm it (POST /api/v1/auth/email/confirm) to switch to that address."
            if pending and "email" in data.validated_data
            else "Your profile is saved."
        )
        return Response({"user": UserSerializer(user).data, "pending_email": pending, "message": message})

    # -- DELETE: the erasure ---------------------------------------------------------------------------


urlpatterns = [
    path("auth/account", AccountView.as_view(), name="auth-account"),
]
