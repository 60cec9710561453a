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
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework import serializers

from turf.audit import audit_write
from turf.models import AuditAction

from ..signals import account_erasing
from .auth import refresh_tokens_revoke
from .lockout import login_failure_record, login_lockout_check, login_success_record

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


def account_password_confirm(*, user, password: str, address: str | None = None) -> None:
    """A 400 naming ``password`` unless it is the user's. A wrong one counts as a failed log-in (the account's
    and the address's lockout): a stolen access token must not become a way to guess the password."""
    login_lockout_check(email=user.email, address=address)
    if not user.check_password(password):
        login_failure_record(email=user.email, address=address)
        raise serializers.ValidationError({"password": WRONG_PASSWORD})
    login_success_record(email=user.email)


def account_erase(*, user, password: str, address: str | None = None) -> None:
    """Delete ``user`` and every row that is theirs, in one transaction, once ``password`` confirms it.

    ``account_erasing`` is sent first: a receiver that raises (Stripe unreachable) rolls everything back and
    its error is the answer. The deletion is audited (ids only). Invoices stay, their user set to NULL (the
    law keeps them); the audit trail refers to ids, not rows; aggregate statistics hold no user."""
    account_password_confirm(user=user, password=password, address=address)
    with transaction.atomic():
        account_erasing.send(sender=get_user_model(), user=user)
        audit_write(action=AuditAction.ACCOUNT_DELETED, actor=user, subject=user, target="account", address=address)
        refresh_tokens_revoke(user=user)
        user.delete()
