"""What billing holds about a user, for their export (GDPR Art. 15; ``settings.TURF_ACCOUNT_DATA``)."""

from __future__ import annotations

from .models import Invoice, Subscription


def account_data(user) -> dict:
    """The subscription (plan, status, Stripe's ids, the period) and the invoices."""
    subscription = Subscription.objects.select_related("plan").filter(user=user).first()
    return {
        "subscription": None
        if subscription is None
        else {
            "plan": subscription.plan.code,
            "plan_name": subscription.plan.name,
            "status": subscription.status,
            "stripe_customer_id": subscription.stripe_customer_id,
            "stripe_subscription_id": subscription.stripe_subscription_id,
            "current_period_end": subscription.current_period_end,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "past_due_since": subscription.past_due_since,
            "created_at": subscription.created_at,
            "updated_at": subscription.updated_at,
        },
        "invoices": list(
            Invoice.objects.filter(user=user)
            .order_by("created_at", "id")
            .values(
                "number",
                "stripe_invoice_id",
                "stripe_customer_id",
                "status",
                "amount_due",
                "amount_paid",
                "currency",
                "period_start",
                "period_end",
                "hosted_invoice_url",
                "created_at",
            )
        ),
    }
