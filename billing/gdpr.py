"""What billing holds about a user, for the GDPR export (``settings.TURF_ACCOUNT_DATA``)."""

from __future__ import annotations

from .models import Invoice
from .selectors import subscription_for_user


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def account_data(user) -> dict:
    """The user's subscription (plan, status, Stripe ids, period) and invoices."""
    subscription = subscription_for_user(user)
    invoices = Invoice.objects.filter(user=user).order_by("created_at", "id")
    return {
        "subscription": (
            {
                "plan": subscription.plan.code,
                "status": subscription.status,
                "stripe_customer_id": subscription.stripe_customer_id,
                "stripe_subscription_id": subscription.stripe_subscription_id,
                "current_period_end": _iso(subscription.current_period_end),
                "cancel_at_period_end": subscription.cancel_at_period_end,
                "past_due_since": _iso(subscription.past_due_since),
                "created_at": _iso(subscription.created_at),
                "updated_at": _iso(subscription.updated_at),
            }
            if subscription is not None
            else None
        ),
        "invoices": [
            {
                "stripe_invoice_id": invoice.stripe_invoice_id,
                "number": invoice.number,
                "status": invoice.status,
                "amount_due": invoice.amount_due,
                "amount_paid": invoice.amount_paid,
                "currency": invoice.currency,
                "period_start": _iso(invoice.period_start),
                "period_end": _iso(invoice.period_end),
                "hosted_invoice_url": invoice.hosted_invoice_url,
                "created_at": _iso(invoice.created_at),
            }
            for invoice in invoices
        ],
    }
