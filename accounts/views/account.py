"""The account itself: rectify (PATCH, GDPR Art. 16), erase (DELETE, Art. 17), export (GET data, Art. 15)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.audit import request_address

from ..serializers import UserSerializer
from ..serializers.gdpr import AccountDataSerializer, AccountEraseSerializer, MarketingSerializer
from ..serializers.lifecycle import ProfileAnswerSerializer, ProfileSerializer
from ..services.gdpr import account_data_export, account_erase
from ..services.marketing import marketing_consent_set
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

    @extend_schema(
        summary="Delete your account and everything that is yours (your password confirms)",
        description="Erases the profile, bets, backtests, API keys, consents, limits and the subscription (Stripe's "
        "is cancelled first); invoices are kept, as the law requires, without your account. Cannot be undone.",
        request=AccountEraseSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="The password is missing or wrong: nothing was deleted."),
            429: OpenApiResponse(description="Too many wrong passwords; see Retry-After."),
            502: OpenApiResponse(description="Stripe did not answer: nothing was deleted, try again."),
        },
        tags=["auth"],
    )
    def delete(self, request):
        data = AccountEraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account_erase(user=request.user, password=data.validated_data["password"], address=request_address(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountDataView(TurfAPIView):
    """Everything Turf holds about you (GDPR Art. 15), as one JSON document."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Export your data", responses={200: AccountDataSerializer}, tags=["auth"])
    def get(self, request):
        return Response(account_data_export(user=request.user))


class AccountMarketingView(TurfAPIView):
    """Your consent to Turf's marketing e-mails (GDPR Art. 7 and 21): given with the policy's version, or withdrawn."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Opt in to or out of marketing e-mails",
        request=MarketingSerializer,
        responses={200: inline_serializer("Marketing", {"marketing_opt_in": serializers.BooleanField()})},
        tags=["auth"],
    )
    def post(self, request):
        data = MarketingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = marketing_consent_set(
            user=request.user, opt_in=data.validated_data["opt_in"], address=request_address(request)
        )
        return Response({"marketing_opt_in": user.marketing_opt_in})


urlpatterns = [
    path("auth/account", AccountView.as_view(), name="auth-account"),
    path("auth/account/data", AccountDataView.as_view(), name="auth-account-data"),
    path("auth/account/marketing", AccountMarketingView.as_view(), name="auth-account-marketing"),
]
