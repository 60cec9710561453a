"""Writes for accounts: registration and tokens."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.tokens import RefreshToken

from turf.errors import Conflict


def user_register(*, email: str, password: str):
    """Create a subscriber on the free plan; 409 when the e-mail is taken."""
    User = get_user_model()
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this e-mail address already exists.")
    validate_password(password, user=User(email=email))
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password)
    except IntegrityError:  # registered by a concurrent request in between
        raise Conflict("An account with this e-mail address already exists.") from None


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
