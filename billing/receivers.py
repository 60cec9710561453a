"""Every new account starts with a subscription on the cheapest active plan (free)."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Subscription
from .selectors import plan_list


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="billing.subscription_on_signup")
def subscription_on_signup(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    plan = plan_list().first()
    if plan is not None:
        Subscription.objects.get_or_create(user=instance, defaults={"plan": plan})
