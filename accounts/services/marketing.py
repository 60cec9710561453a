"""Marketing e-mails: the user's consent to them (given, withdrawn: GDPR Art. 7 and 21) and the sending."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..mail import mail_send, unsubscribe_user_id
from ..models import Consent, ConsentKind


def marketing_consent_set(*, user, opt_in: bool, address: str | None = None):
    """Opt ``user`` in (a consent recorded with the policy's version and the address) or out (every marketing
    consent withdrawn); asking for the state the user is in changes nothing."""
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if opt_in and not locked.marketing_opt_in:
            Consent.objects.create(
                user=user, kind=ConsentKind.MARKETING, version=settings.PRIVACY_POLICY_VERSION, address=address
            )
        elif not opt_in:
            Consent.objects.filter(user=user, kind=ConsentKind.MARKETING, withdrawn_at__isnull=True).update(
                withdrawn_at=timezone.now()
            )
        if locked.marketing_opt_in != opt_in:
            locked.marketing_opt_in = opt_in
            locked.save(update_fields=["marketing_opt_in"])
    user.marketing_opt_in = opt_in  # the caller's instance (request.user) says so too
    return user


def marketing_unsubscribe_user(*, token: str):
    """The user an unsubscribe link's ``token`` was signed for; None for a tampered token or an erased account."""
    user_id = unsubscribe_user_id(token)
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def marketing_recipients() -> QuerySet:
    """Who a marketing mail goes to: active accounts that opted in, with a verified address (never a stranger's
    address someone typed at sign-up)."""
    return (
        get_user_model()
        .objects.filter(marketing_opt_in=True, is_active=True, email_verified_at__isnull=False)
        .order_by("pk")
    )


def marketing_mail_send(*, template: str, subject: str, progress: Callable[[], None] | None = None) -> int:
    """Send ``mail/<template>`` to every recipient, each with their own unsubscribe link; returns how many."""
    sent = 0
    for user in marketing_recipients().iterator(chunk_size=500):
        if mail_send(to=user.email, template=template, subject=subject, user=user, marketing=True):
            sent += 1
        if progress is not None:
            progress()
    return sent
