"""Billing's receivers: a subscription for every new account; the Stripe subscription ended before an erasure;
the users' cached snapshots (``accounts.snapshot``) stale once a subscription or a plan is written (staff's admin
edits included)."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import account_erasing
from accounts.snapshot import snapshot_forget, snapshot_forget_all

from .models import Plan, Subscription
from .payments import subscription_end_now
from .selectors import plan_list


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="billing.subscription_on_signup")
def subscription_on_signup(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    plan = plan_list().first()
    if plan is not None:
        Subscription.objects.get_or_create(user=instance, defaults={"plan": plan})


@receiver(account_erasing, dispatch_uid="billing.subscription_end_on_erasure")
def subscription_end_on_erasure(sender, user, **kwargs) -> None:
    """Stop billing an account being erased: its Stripe subscription is cancelled at once. Stripe unreachable
    (PaymentProviderError) or payments not configured (BillingUnavailable) stops the erasure: nobody is billed
    for an account that no longer exists."""
    subscription_end_now(user=user)


@receiver(post_save, sender=Subscription, dispatch_uid="billing.snapshot_subscription_saved")
@receiver(post_delete, sender=Subscription, dispatch_uid="billing.snapshot_subscription_deleted")
def snapshot_on_subscription_write(sender, instance, **kwargs) -> None:
    snapshot_forget(instance.user_id)


@receiver(post_save, sender=Plan, dispatch_uid="billing.snapshot_plan_saved")
@receiver(post_delete, sender=Plan, dispatch_uid="billing.snapshot_plan_deleted")
def snapshot_on_plan_write(sender, instance, **kwargs) -> None:
    snapshot_forget_all()  # a plan's limits, features or quotas, or whether it is on sale: everyone's plan
