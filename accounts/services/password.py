"""Passwords: forgotten (a mailed link), reset (with the link's token), changed (the current one required).

The link carries Django's ``default_token_generator`` token: an HMAC over the user's id, password hash, last
log-in and a timestamp, so it expires after PASSWORD_RESET_TIMEOUT and dies once the password changes (single
use by construction). A new password ends every API session (all the user's refresh tokens are revoked) and
every other dashboard session (Django checks the session's password hash), is audited, and the owner is told
by mail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import exceptions as django_exceptions
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from turf.audit import audit_write
from turf.models import AuditAction

from ..attempts import attempt_allowed
from .auth import refresh_tokens_revoke
from .codes import mail_deliver
from .lockout import login_failure_record, login_lockout_check, login_success_record

# The answer to a forgotten password, whatever happened (no account enumeration).
FORGOT_MESSAGE = "If this address has an account, a link to choose a new password is on its way."
BAD_LINK = "This password-reset link is invalid, already used or expired: ask for a new one."
WRONG_PASSWORD = "This is not your current password."
# The dashboard's page that reads the link (dashboard/pages/lifecycle.py serves it).
RESET_PATH = "/password/reset/{uid}/{token}/"


def password_reset_link(*, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + RESET_PATH.format(uid=uid, token=default_token_generator.make_token(user))


def password_reset_request(*, email: str) -> None:
    """Mail a reset link to ``email`` if it is an active account's and under AUTH_RATE_PASSWORD_RESET; the
    caller answers the same whatever happened here."""
    if not attempt_allowed(scope="password_reset", ident=email, limit=settings.AUTH_RATE_PASSWORD_RESET):
        return
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    context = {"link": password_reset_link(user=user), "minutes": minutes}
    mail_deliver(
        to=user.email, template="password_reset", subject=_("Choose a new Turf password"), context=context, user=user
    )


def password_reset_user(*, uidb64: str, token: str):
    """The account a reset link is for, while its token is good; None otherwise."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def _password_check(new_password: str, *, user, field: str = "new_password") -> None:
    try:
        validate_password(new_password, user=user)
    except django_exceptions.ValidationError as exc:
        raise serializers.ValidationError({field: list(exc.messages)}) from None


def _password_set(*, user, new_password: str, how: str, address: str | None) -> None:
    """Set the password, end the API sessions, audit it (one transaction), then tell the owner."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoked = refresh_tokens_revoke(user=user)
        audit_write(
            action=AuditAction.PASSWORD_CHANGED,
            actor=user,
            subject=user,
            target="password",
            after={"how": how, "refresh_tokens_revoked": revoked},
            address=address,
        )
    mail_deliver(to=user.email, template="password_changed", subject=_("Your Turf password was changed"), user=user)


def password_reset(*, uidb64: str, token: str, new_password: str, address: str | None = None):
    """Set a new password with a reset link's token; 400 ``token`` when the link is bad, used or expired."""
    user = password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        raise serializers.ValidationError({"token": BAD_LINK})
    _password_check(new_password, user=user)
    _password_set(user=user, new_password=new_password, how="reset", address=address)
    login_success_record(email=user.email)  # the mailbox's owner: the account's lockout ends
    return user


def password_change(*, user, current_password: str, new_password: str, address: str | None = None):
    """Change the password of a logged-in ``user`` who gives the current one (400 when wrong; the wrong ones count
    as failed log-ins, and a locked account is refused 429); all their refresh tokens are revoked."""
    login_lockout_check(email=user.email, address=address)
    if not user.check_password(current_password):
        login_failure_record(email=user.email, address=address)
        raise serializers.ValidationError({"current_password": WRONG_PASSWORD})
    _password_check(new_password, user=user)
    _password_set(user=user, new_password=new_password, how="change", address=address)
    return user
