"""What a subscriber asks of Stripe: a checkout, the billing portal, a cancellation; and the cancellation an erasure
needs. Each asks Stripe first (``stripe_errors``: a 502 leaves our rows as they were) and writes after."""

from __future__ import annotations

import stripe
from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import ValidationError

from turf.audit import audit_write
from turf.errors import Conflict, EmailNotVerified
from turf.models import ActorKind, AuditAction

from .models import Plan, Subscription
from .selectors import plan_list, subscription_for_user, subscription_is_paid
from .services import subscription_plan_set
from .stripe_client import stripe_client, stripe_errors
from .stripe_objects import subscription_period_end


def plans_on_sale() -> list[Plan]:
    """The plans a checkout can buy: active, with a Stripe price, cheapest first."""
    return list(plan_list().exclude(stripe_price_id=""))


def _plan_on_sale(code: str) -> Plan:
    plans = plans_on_sale()
    plan = next((p for p in plans if p.code == code.strip().lower()), None)
    if plan is None:
        sold = ", ".join(p.code for p in plans) or "none at the moment"
        raise ValidationError({"plan": f"{code!r} is not a plan on sale; the plans on sale are: {sold}."})
    return plan


def _subscription_row(user) -> Subscription:
    subscription = subscription_for_user(user)
    if subscription is None:  # an account from before subscriptions: on the cheapest plan, as the gate treats it
        subscription = subscription_plan_set(user=user, plan=plan_list().first(), actor_kind=ActorKind.SYSTEM)
    return subscription


def account_url(query: str = "") -> str:
    """The account page's public address (Stripe's return pages)."""
    return f"{settings.SITE_URL}/account/{query}"


def checkout_session_create(*, user, plan_code: str) -> dict:
    """A Stripe Checkout session that subscribes ``user`` to the plan ``plan_code``: {url, session_id}."""
    client = stripe_client()
    if not user.email_verified:
        raise EmailNotVerified("Verify your e-mail address before you subscribe (POST /api/v1/auth/verify).")
    plan = _plan_on_sale(plan_code)
    subscription = _subscription_row(user)
    if subscription_is_paid(subscription):
        raise Conflict(
            f"You already have a paid subscription ({subscription.plan.name}, {subscription.status}): change or "
            "cancel it in the billing portal (POST /api/v1/billing/portal)."
        )
    customer_id = subscription.stripe_customer_id
    metadata = {"user_id": str(user.pk), "plan": plan.code}
    with stripe_errors("open a checkout"):
        if not customer_id:
            customer = client.v1.customers.create(params={"email": user.email, "metadata": {"user_id": str(user.pk)}})
            customer_id = customer.id
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
                "client_reference_id": str(user.pk),
                "metadata": metadata,
                # So that the subscription's own events name the user and the plan even before the checkout's.
                "subscription_data": {"metadata": metadata},
                "success_url": account_url("?checkout=success"),
                "cancel_url": account_url("?checkout=cancel"),
            }
        )
    if subscription.stripe_customer_id != customer_id:
        # Only now: a checkout that failed leaves nothing of it here (Stripe keeps an unused customer).
        Subscription.objects.filter(pk=subscription.pk).update(stripe_customer_id=customer_id)
    return {"url": session.url, "session_id": session.id}


def portal_session_create(*, user) -> dict:
    """A session of Stripe's billing portal for ``user`` (payment method, invoices, plan, cancellation): {url}."""
    client = stripe_client()
    subscription = subscription_for_user(user)
    if subscription is None or not subscription.stripe_customer_id:
        raise Conflict("You have no billing account at Stripe yet: subscribe first (POST /api/v1/billing/checkout).")
    with stripe_errors("open the billing portal"):
        session = client.v1.billing_portal.sessions.create(
            params={"customer": subscription.stripe_customer_id, "return_url": account_url()}
        )
    return {"url": session.url}


def subscription_cancel(*, user, address: str | None = None) -> Subscription:
    """Cancel ``user``'s paid subscription at the end of the period already paid for (the plan stays until then)."""
    client = stripe_client()
    subscription = subscription_for_user(user)
    if not subscription_is_paid(subscription):
        raise Conflict("You have no paid subscription to cancel.")
    if subscription.cancel_at_period_end:
        return subscription  # asked before: nothing more to do
    with stripe_errors("cancel your subscription"):
        remote = client.v1.subscriptions.update(
            subscription.stripe_subscription_id, params={"cancel_at_period_end": True}
        ).to_dict()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)
        subscription.cancel_at_period_end = True
        subscription.current_period_end = subscription_period_end(remote) or subscription.current_period_end
        subscription.save(update_fields=["cancel_at_period_end", "current_period_end", "updated_at"])
        audit_write(
            action=AuditAction.SUBSCRIPTION_CHANGED,
            actor=user,
            actor_kind=ActorKind.USER,
            subject=user,
            target="subscription",
            before={"cancel_at_period_end": False},
            after={"cancel_at_period_end": True},
            address=address,
        )
    return subscription


def subscription_end_now(*, user) -> bool:
    """End ``user``'s paid Stripe subscription at once (the account is being erased); True if one was ended.

    Stripe unreachable: PaymentProviderError; payments not configured while a paid subscription exists:
    BillingUnavailable; either way the caller's transaction (the erasure) rolls back."""
    subscription = subscription_for_user(user)
    if not subscription_is_paid(subscription):
        return False
    client = stripe_client()
    with stripe_errors("cancel your subscription before erasing the account"):
        try:
            client.v1.subscriptions.cancel(subscription.stripe_subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:  # gone at Stripe already: nothing left to cancel
                raise
    return True
