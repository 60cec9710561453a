"""Billing's periodic work, as thin Celery tasks that django-celery-beat runs
(``billing/migrations/0006_past_due_schedule``); ``manage.py billing_expire_past_due`` runs the same service."""

from __future__ import annotations

from celery import shared_task

from turf.celery import RETRY_POLICY

from .webhooks import subscription_past_due_expire

EXPIRE_PAST_DUE_TASK = "billing.expire_past_due"


@shared_task(name=EXPIRE_PAST_DUE_TASK, **RETRY_POLICY)
def expire_past_due() -> int:
    """Put on the free plan the subscriptions past due for longer than BILLING_PAST_DUE_GRACE_DAYS (daily)."""
    return subscription_past_due_expire()
