"""The user's rights over their data: the export (GDPR Art. 15) and the erasure (Art. 17).

Accounts imports none of the apps that hold the user's rows: the export calls the callables
``settings.TURF_ACCOUNT_DATA`` names (each app's ``gdpr.account_data``), and the erasure relies on the
database's cascades, after the ``account_erasing`` signal let the other apps act first (billing cancels the
Stripe subscription) or refuse.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from turf.audit import audit_write
from turf.errors import TooManyAttempts
from turf.models import AuditAction

from ..signals import account_erasing

WRONG_PASSWORD = "The password is wrong: the account was not deleted."


def account_data_export(*, user) -> dict:
    """Everything held about ``user``: each section of each ``TURF_ACCOUNT_DATA`` callable, as JSON values."""
    sections: dict = {}
    for path in settings.TURF_ACCOUNT_DATA:
        part = import_string(path)(user)
        clash = sections.keys() & part.keys()
        if clash:
            raise ImproperlyConfigured(f"{path} exports sections another callable exports too: {sorted(clash)}")
        sections.update(part)
    # Datetimes as ISO 8601, decimals as exact strings, whichever app wrote them.
    data = json.loads(json.dumps(sections, cls=DjangoJSONEncoder))
    return {"exported_at": timezone.now().isoformat(), "user_id": user.pk, "data": data}


def _failures_key(user) -> str:
    return f"accounts:erase-password-failures:u{user.pk}"


def account_password_confirm(*, user, password: str) -> None:
    """A 400 naming ``password`` unless it is the user's; past AUTH_RATE_LOGIN_ACCOUNT failures in its window,
    429 without trying it (a stolen access token must not become a way to guess the password)."""
    limit, window = settings.AUTH_RATE_LOGIN_ACCOUNT
    key = _failures_key(user)
    if (cache.get(key) or 0) >= limit:
        raise TooManyAttempts("Too many wrong passwords: try again later.", wait=window)
    if not user.check_password(password):
        cache.add(key, 0, timeout=window)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=window)
        raise serializers.ValidationError({"password": WRONG_PASSWORD})
    cache.delete(key)


def _refresh_tokens_revoke(user) -> None:
    """Blacklist every refresh token issued to ``user``; the rows outlive the account (user NULL) until they
    expire (``flushexpiredtokens``), so that a refresh token of the erased account is refused, not unknown."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def account_erase(*, user, password: str, address: str | None = None) -> None:
    """Delete ``user`` and every row that is theirs, in one transaction, once ``password`` confirms it.

    ``account_erasing`` is sent first: a receiver that raises (Stripe unreachable) rolls everything back and
    its error is the answer. The deletion is audited (ids only). Invoices stay, their user set to NULL (the
    law keeps them); the audit trail refers to ids, not rows; aggregate statistics hold no user."""
    account_password_confirm(user=user, password=password)
    with transaction.atomic():
        account_erasing.send(sender=get_user_model(), user=user)
        audit_write(action=AuditAction.ACCOUNT_DELETED, actor=user, subject=user, target="account", address=address)
        _refresh_tokens_revoke(user)
        user.delete()
