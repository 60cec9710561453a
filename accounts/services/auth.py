"""Writes for accounts: registration (with its consents) and tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from turf.errors import Conflict

from ..attempts import attempt_count
from ..mail import language_of
from ..models import Consent, ConsentKind
from .verification import email_verify_send

TOO_MANY_SIGNUPS = "Too many accounts created from this address: try again later."


def user_register(
    *,
    email: str,
    password: str,
    accept_privacy: bool,
    adult: bool,
    marketing_opt_in: bool = False,
    full_name: str = "",
    language: str | None = None,
    address: str | None = None,
):
    """Create a subscriber on the free plan with the consents given at sign-up, then mail the verification code.

    The privacy policy (its version) and being 18+ must be accepted (400 naming the field otherwise); 409 when
    the e-mail is taken; with the client ``address``, 429 past AUTH_RATE_REGISTER sign-ups from it."""
    if accept_privacy is not True:
        raise serializers.ValidationError({"accept_privacy": "Accept the privacy policy (/privacy) to sign up."})
    if adult is not True:
        raise serializers.ValidationError({"adult": "Turf is for adults only: confirm you are 18 or over."})
    if address is not None:
        attempt_count(scope="register", ident=address, limit=settings.AUTH_RATE_REGISTER, message=TOO_MANY_SIGNUPS)
    User = get_user_model()
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this e-mail address already exists.")
    validate_password(password, user=User(email=email))
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                full_name=full_name.strip(),
                adult_confirmed_at=now,
                marketing_opt_in=bool(marketing_opt_in),
                language=language_of(language),
            )
            consents = [
                Consent(user=user, kind=ConsentKind.PRIVACY, version=settings.PRIVACY_POLICY_VERSION),
                Consent(user=user, kind=ConsentKind.AGE),
            ]
            if marketing_opt_in:
                consents.append(Consent(user=user, kind=ConsentKind.MARKETING))
            for consent in consents:
                consent.given_at, consent.address = now, address
            Consent.objects.bulk_create(consents)
    except IntegrityError:  # registered by a concurrent request in between
        raise Conflict("An account with this e-mail address already exists.") from None
    email_verify_send(user=user)
    return user


def tokens_for(refresh: RefreshToken) -> dict:
    access = refresh.access_token
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(access.lifetime.total_seconds()),
    }


def tokens_issue(*, user) -> dict:
    """A new access/refresh pair for ``user``."""
    return tokens_for(RefreshToken.for_user(user))


def refresh_tokens_revoke(*, user) -> int:
    """Blacklist every refresh token ``user`` still holds (every session of the API ends at its next refresh)."""
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)
