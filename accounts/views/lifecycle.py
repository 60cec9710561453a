"""E-mail verification, resend, password forgotten / reset / change, the e-mail change's confirmation: the API."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from turf.apiviews import AuthAPIView, TurfAPIView
from turf.audit import request_address

from ..serializers import TokensSerializer, UserSerializer
from ..serializers import lifecycle as s
from ..services import tokens_issue
from ..services.password import FORGOT_MESSAGE, password_change, password_reset, password_reset_request
from ..services.profile import email_change_confirm
from ..services.verification import RESEND_MESSAGE, email_verify, email_verify_resend, email_verify_resend_to

TAGS = ["auth"]
TOO_MANY = OpenApiResponse(description="Too many attempts (`too_many_attempts`); see Retry-After.")
BAD_CODE = OpenApiResponse(description="The code is wrong, used or expired (`invalid_parameter`).")


def _ok(message: str) -> Response:
    return Response({"status": "ok", "message": message})


class VerifyView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Verify your e-mail address with the 6-digit code we mailed",
        request=s.CodeSerializer,
        responses={200: s.UserMessageSerializer, 400: BAD_CODE, 429: TOO_MANY},
        tags=TAGS,
    )
    def post(self, request):
        data = s.CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_verify(user=request.user, code=data.validated_data["code"])
        return Response({"user": UserSerializer(user).data, "message": "Your e-mail address is verified."})


class ResendView(AuthAPIView):
    # Logged in (a Bearer token) or not (the address in the body): both are served, so authenticate as usual.
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES

    @extend_schema(
        summary="Send a new verification code (logged in, or {email}: the same answer whether it has an account)",
        request=s.ResendSerializer,
        responses={200: s.MessageSerializer, 429: TOO_MANY},
        tags=TAGS,
    )
    def post(self, request):
        data = s.ResendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.is_authenticated:
            if request.user.email_verified:
                return _ok("Your e-mail address is already verified.")
            email_verify_resend(user=request.user)  # 429 past the limit: it is the caller's own address
            return _ok(f"A new code is on its way to {request.user.email}.")
        if "email" not in data.validated_data:
            raise serializers.ValidationError({"email": "This field is required when you are not logged in."})
        email_verify_resend_to(email=data.validated_data["email"])
        return _ok(RESEND_MESSAGE)


class PasswordForgotView(AuthAPIView):
    @extend_schema(
        summary="Mail a link to choose a new password (the same answer whether the address has an account)",
        request=s.EmailSerializer,
        responses={200: s.MessageSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = s.EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"])
        return _ok(FORGOT_MESSAGE)


class PasswordResetView(AuthAPIView):
    @extend_schema(
        summary="Choose a new password with the mailed link's uid and token (every refresh token is revoked)",
        request=s.PasswordResetSerializer,
        responses={
            200: s.MessageSerializer,
            400: OpenApiResponse(description="The link is invalid, used or expired, or the password too weak."),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = s.PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset(
            uidb64=data.validated_data["uid"],
            token=data.validated_data["token"],
            new_password=data.validated_data["new_password"],
            address=request_address(request),
        )
        return _ok("Your password is changed: log in with it. Every session was logged out.")


class PasswordChangeView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Change your password (the current one required): your refresh tokens are revoked, new ones answered",
        request=s.PasswordChangeSerializer,
        responses={
            200: TokensSerializer,
            400: OpenApiResponse(description="The current password is wrong, or the new one too weak."),
            429: TOO_MANY,
        },
        tags=TAGS,
    )
    def post(self, request):
        data = s.PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_change(
            user=request.user,
            current_password=data.validated_data["current_password"],
            new_password=data.validated_data["new_password"],
            address=request_address(request),
        )
        return Response(tokens_issue(user=user))  # the caller's session goes on with a new pair


class EmailConfirmView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Confirm a new e-mail address with the code mailed to it (PATCH auth/account asked for it)",
        request=s.CodeSerializer,
        responses={
            200: s.UserMessageSerializer,
            400: BAD_CODE,
            409: OpenApiResponse(description="The new address got an account meanwhile."),
            429: TOO_MANY,
        },
        tags=TAGS,
    )
    def post(self, request):
        data = s.CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_change_confirm(user=request.user, code=data.validated_data["code"], request=request)
        return Response({"user": UserSerializer(user).data, "message": "Your e-mail address is changed."})


urlpatterns = [
    path("auth/verify", VerifyView.as_view(), name="auth-verify"),
    path("auth/verify/resend", ResendView.as_view(), name="auth-verify-resend"),
    path("auth/password/forgot", PasswordForgotView.as_view(), name="auth-password-forgot"),
    path("auth/password/reset", PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password/change", PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/email/confirm", EmailConfirmView.as_view(), name="auth-email-confirm"),
]
