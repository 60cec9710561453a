"""The profile (GDPR Art. 16, rectification): the name changes at once; a new e-mail address is proven first.

An e-mail change mails a code to the new address and changes nothing else until ``email_change_confirm``
gets that code: then the address switches, verified, the old address is told, and the audit trail records
that it changed, never the addresses (the trail outlives an erasure)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from turf.audit import audit_write, request_address
from turf.errors import Conflict
from turf.models import AuditAction

from ..attempts import attempt_count
from ..mail import user_language_set
from ..models import CodePurpose, EmailCode
from .codes import email_code_check, email_code_send, email_code_use, mail_deliver

TAKEN = "An account with this e-mail address already exists."
TOO_MANY_CHANGES = "Too many address changes asked for: wait before asking for another one."


def _taken(*, email: str, user) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


def profile_update(
    *, user, full_name: str | None = None, email: str | None = None, language: str | None = None, request=None
):
    """Rectify the profile: ``full_name`` and ``language`` (of the mails) at once; a new ``email`` is mailed a code
    (409 when it has an account, 429 past AUTH_RATE_RESEND asks) and switches only once confirmed
    (``email_change_confirm``)."""
    if full_name is not None and full_name.strip() != user.full_name:
        user.full_name = full_name.strip()
        user.save(update_fields=["full_name"])
    if language is not None:
        user_language_set(user=user, language=language)
    if email is not None:
        email = get_user_model().objects.normalize_email(email).strip().lower()
        if email != user.email.lower():
            if _taken(email=email, user=user):
                raise Conflict(TAKEN)
            attempt_count(
                scope="email_change", ident=str(user.pk), limit=settings.AUTH_RATE_RESEND, message=TOO_MANY_CHANGES
            )
            email_code_send(user=user, purpose=CodePurpose.EMAIL_CHANGE, email=email)
    return user


def email_change_pending(*, user) -> str | None:
    """The new address waiting for its code, if any."""
    code = (
        EmailCode.objects.filter(
            user=user, purpose=CodePurpose.EMAIL_CHANGE, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return code.email if code is not None else None


def email_change_confirm(*, user, code: str, request=None):
    """Switch to the new address the code was mailed to, verified; 400 wrong or expired code, 429 past the tries,
    409 when the address got an account meanwhile."""
    live = email_code_check(user=user, purpose=CodePurpose.EMAIL_CHANGE, code=code)
    old_email = user.email
    try:
        with transaction.atomic():
            if _taken(email=live.email, user=user):
                raise Conflict(TAKEN)
            email_code_use(code=live)
            user.email = live.email
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email", "email_verified_at"])
            audit_write(
                action=AuditAction.EMAIL_CHANGED,
                actor=user,
                subject=user,
                target="email",
                after={"verified": True},
                address=request_address(request),
            )
    except IntegrityError:  # taken by a concurrent sign-up between the check and the save
        user.refresh_from_db(fields=["email", "email_verified_at"])
        raise Conflict(TAKEN) from None
    mail_deliver(
        to=old_email,
        template="email_changed",
        subject=_("Your Turf e-mail address was changed"),
        user=user,
    )
    return user
