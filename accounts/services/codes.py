"""The 6-digit codes mailed to confirm an address (``EmailCode``): issued, mailed, checked once.

A code is stored as an HMAC-SHA256 keyed with SECRET_KEY (over the purpose, the user, the address and the
code), never in clear; the newest code of a purpose is the only live one; it expires after
EMAIL_CODE_TTL_HOURS, is used once, and dies after AUTH_RATE_VERIFY's count of wrong tries even when the
cache that counts tries per window was emptied.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import smtplib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..attempts import attempt_count
from ..mail import mail_send
from ..models import CodePurpose, EmailCode

logger = logging.getLogger("turf.accounts")

CODE_SALT = "turf.accounts.email_code"
WRONG_CODE = "This code is wrong, used or expired: ask for a new one."
TOO_MANY_TRIES = "Too many codes tried for this address: wait before trying again."

# purpose -> (mail template, subject)
MAILS = {
    CodePurpose.VERIFY: ("verify_code", _("Your Turf verification code")),
    CodePurpose.EMAIL_CHANGE: ("email_change_code", _("Confirm your new Turf e-mail address")),
}


def mail_deliver(*, to: str, template: str, subject: str, context: dict | None = None, user=None) -> bool:
    """Send an account mail; a mail server that fails is logged, not answered as a 500 (the user can ask again)."""
    try:
        return mail_send(to=to, template=template, subject=subject, context=context, user=user)
    except (smtplib.SMTPException, OSError):
        logger.exception("mail %s to user %s could not be sent", template, getattr(user, "pk", None))
        return False


def _digest(*, user, purpose: str, email: str, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{purpose}:{user.pk}:{email.lower()}:{code}", algorithm="sha256").hexdigest()


def email_code_issue(*, user, purpose: str, email: str) -> str:
    """A new code for ``purpose`` sent to ``email`` (not mailed yet): the earlier live ones of the purpose die."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        EmailCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
        EmailCode.objects.create(
            user=user,
            purpose=purpose,
            email=email,
            code_hash=_digest(user=user, purpose=purpose, email=email, code=code),
            expires_at=timezone.now() + dt.timedelta(hours=settings.EMAIL_CODE_TTL_HOURS),
        )
    return code


def email_code_send(*, user, purpose: str, email: str) -> bool:
    """Issue a code for ``purpose`` and mail it to ``email``; True once sent."""
    code = email_code_issue(user=user, purpose=purpose, email=email)
    template, subject = MAILS[purpose]
    context = {"code": code, "hours": settings.EMAIL_CODE_TTL_HOURS, "email": email}
    return mail_deliver(to=email, template=template, subject=subject, context=context, user=user)


def email_code_check(*, user, purpose: str, code: str) -> EmailCode:
    """The live code of ``purpose`` that ``code`` matches, not yet marked used; 400 ``code`` otherwise.

    The try is counted first (AUTH_RATE_VERIFY per e-mail: 429 past it), so a refused try is not free."""
    attempt_count(scope="verify", ident=user.email, limit=settings.AUTH_RATE_VERIFY, message=TOO_MANY_TRIES)
    live = EmailCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).order_by("-created_at").first()
    if live is not None:
        good = hmac.compare_digest(live.code_hash, _digest(user=user, purpose=purpose, email=live.email, code=code))
        alive = live.expires_at > timezone.now() and live.attempts < settings.AUTH_RATE_VERIFY[0]
        if good and alive:
            return live
        if not good:
            # Outside any transaction on purpose: the wrong try stays counted when the request answers 400.
            EmailCode.objects.filter(pk=live.pk).update(attempts=F("attempts") + 1)
    raise serializers.ValidationError({"code": WRONG_CODE})


def email_code_use(*, code: EmailCode) -> None:
    """Mark ``code`` used (in the caller's transaction); 400 when a concurrent request used it first."""
    used = EmailCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not used:
        raise serializers.ValidationError({"code": WRONG_CODE})
