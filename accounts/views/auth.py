"""Auth endpoints: register, login, refresh (rotating), logout (blacklist), me."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from turf.apiviews import AuthAPIView, TurfAPIView
from turf.audit import request_address

from .. import serializers as s
from ..services import tokens_issue, user_register
from ..services.lockout import login_failure_record, login_lockout_check, login_success_record

INVALID_CREDENTIALS = "Invalid e-mail or password."
INVALID_REFRESH = "The refresh token is invalid, expired or revoked."


def _user_body(user) -> dict:
    return {"user": s.UserSerializer(user).data}


class RegisterView(AuthAPIView):
    @extend_schema(
        summary="Create an account (free plan): accept the privacy policy, confirm 18+; a verification code is mailed",
        request=s.RegisterSerializer,
        responses={
            201: inline_serializer("Registered", {"user": s.UserSerializer()}),
            409: OpenApiResponse(description="The e-mail address has an account."),
            429: OpenApiResponse(description="Too many sign-ups from this address (`too_many_attempts`)."),
        },
        tags=["auth"],
    )
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data, address=request_address(request))
        return Response(_user_body(user), status=status.HTTP_201_CREATED)


class LoginView(AuthAPIView):
    @extend_schema(
        summary="Log in: an access and a refresh token",
        request=s.LoginSerializer,
        responses={
            200: s.TokensSerializer,
            401: OpenApiResponse(description=INVALID_CREDENTIALS),
            429: OpenApiResponse(description="Locked after failed log-ins (`too_many_attempts`); see Retry-After."),
        },
        tags=["auth"],
    )
    def post(self, request):
        data = s.LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email, address = data.validated_data["email"].strip().lower(), request_address(request)
        login_lockout_check(email=email, address=address)  # 429 while locked, even for the right password
        user = authenticate(request, username=email, password=data.validated_data["password"])
        if user is None or not user.is_active:
            login_failure_record(email=email, address=address)
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        login_success_record(email=email)
        return Response(tokens_issue(user=user))

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class RefreshView(AuthAPIView):
    @extend_schema(
        summary="Exchange a refresh token for new tokens (the old one is revoked)",
        request=s.RefreshSerializer,
        responses={200: s.TokensSerializer, 401: OpenApiResponse(description=INVALID_REFRESH)},
        tags=["auth"],
    )
    def post(self, request):
        data = s.RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refresh = TokenRefreshSerializer(data={"refresh": data.validated_data["refresh_token"]})
        try:
            refresh.is_valid(raise_exception=True)
        except (TokenError, AuthenticationFailed, serializers.ValidationError):
            # Malformed, expired, blacklisted (already rotated or logged out) or a deactivated user.
            raise AuthenticationFailed(INVALID_REFRESH) from None
        tokens = refresh.validated_data
        return Response(
            {
                "access_token": tokens["access"],
                "refresh_token": tokens["refresh"],  # ROTATE_REFRESH_TOKENS: the old one is now blacklisted
                "token_type": "Bearer",
                "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
            }
        )

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class LogoutView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke a refresh token",
        request=s.RefreshSerializer,
        responses={200: inline_serializer("LoggedOut", {"status": serializers.CharField()})},
        tags=["auth"],
    )
    def post(self, request):
        data = s.RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh_token"])
        except TokenError:
            raise AuthenticationFailed(INVALID_REFRESH) from None
        if str(token.get("user_id")) != str(request.user.pk):
            raise AuthenticationFailed(INVALID_REFRESH)
        token.blacklist()
        return Response({"status": "ok", "message": "Logged out: the refresh token is revoked."})
