"""``manage.py billing_expire_past_due``: the daily ``billing.expire_past_due`` task's twin."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from billing.webhooks import subscription_past_due_expire
from turf.models import ActorKind


class Command(BaseCommand):
    help = (
        "Put on the free plan every subscription whose payment has failed for longer than "
        "BILLING_PAST_DUE_GRACE_DAYS (each change written to the audit trail)."
    )

    def handle(self, *args, **options):
        expired = subscription_past_due_expire(actor_kind=ActorKind.COMMAND)
        days = settings.BILLING_PAST_DUE_GRACE_DAYS
        self.stdout.write(f"{expired} subscription(s) past due for more than {days} day(s) moved to the free plan")
