"""E-mail verification: the code mailed at sign-up, checked once, sent again on demand (no account enumeration)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from ..attempts import attempt_allowed, attempt_count
from ..models import CodePurpose
from .codes import WRONG_CODE, email_code_check, email_code_send, email_code_use

# The anonymous resend answers this whatever happened (sent, unknown address, verified, over the limit).
RESEND_MESSAGE = "If this address has an account waiting for verification, a new code is on its way."
TOO_MANY_RESENDS = "Too many codes sent to this address: wait before asking for another one."


def email_verify_send(*, user) -> bool:
    """Mail ``user`` a verification code for their address (the newest code is the only live one)."""
    return email_code_send(user=user, purpose=CodePurpose.VERIFY, email=user.email)


def email_verify(*, user, code: str):
    """Check the code mailed to ``user`` and mark their address verified; 400 wrong or expired, 429 past the tries."""
    if user.email_verified:
        return user  # nothing left to prove: a second submit of the same form is not an error
    live = email_code_check(user=user, purpose=CodePurpose.VERIFY, code=code)
    if live.email.lower() != user.email.lower():  # mailed to an address the account no longer has
        raise serializers.ValidationError({"code": WRONG_CODE})
    with transaction.atomic():
        email_code_use(code=live)
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def email_verify_resend(*, user) -> bool:
    """Send the logged-in ``user`` a new code; 429 past AUTH_RATE_RESEND; False when already verified."""
    if user.email_verified:
        return False
    attempt_count(scope="resend", ident=user.email, limit=settings.AUTH_RATE_RESEND, message=TOO_MANY_RESENDS)
    return email_verify_send(user=user)


def email_verify_resend_to(*, email: str) -> None:
    """The anonymous resend: a code goes to ``email`` only if it is an unverified account's and under the limit;
    the caller answers the same whatever happened here."""
    if not attempt_allowed(scope="resend", ident=email, limit=settings.AUTH_RATE_RESEND):
        return
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or user.email_verified:
        return
    email_verify_send(user=user)
