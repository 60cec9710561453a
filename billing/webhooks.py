"""Stripe's webhook events, applied once: the subscription's plan and status follow Stripe's, invoices are kept.

Each event is recorded (``StripeEvent``, its id unique) in the same transaction as its effects: a second delivery
of the same event, even one running at the same moment, fails on the unique id and changes nothing (PostgreSQL
holds the second insert until the first transaction ends, then refuses it). An event whose handling fails leaves
nothing either, and Stripe delivers it again.

The plan follows the subscription: ``active`` / ``trialing`` -> the plan whose ``stripe_price_id`` is the
subscription item's price; ``past_due`` keeps the plan for ``BILLING_PAST_DUE_GRACE_DAYS`` after the first failed
payment, then the free plan (``subscription_past_due_expire``, daily and at each event); ``unpaid``, ``paused``,
``canceled``, ``incomplete_expired`` (and a deleted subscription) -> the free plan. Every change of plan goes
through ``subscription_plan_set`` with ``ActorKind.STRIPE``, and so into the audit trail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from turf.audit import audit_write
from turf.models import ActorKind, AuditAction

from .models import Invoice, Plan, StripeEvent, Subscription, SubscriptionStatus
from .selectors import LIVE_STATUSES, plan_list
from .services import subscription_plan_set
from .stripe_objects import (
    epoch,
    invoice_period,
    invoice_price_id,
    invoice_subscription_id,
    object_id,
    subscription_period_end,
    subscription_price_id,
)

logger = logging.getLogger("turf.billing")

PAID_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})
# A subscription in these states gives no paid plan; the two last have ended for good at Stripe.
FREE_STATUSES = frozenset(
    {
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
        SubscriptionStatus.CANCELED,
        SubscriptionStatus.INCOMPLETE_EXPIRED,
    }
)
ENDED_STATUSES = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})


@dataclass(frozen=True)
class EventOutcome:
    event_id: str
    type: str
    outcome: str
    duplicate: bool = False


def stripe_event_process(*, event: dict) -> EventOutcome:
    """Apply one verified Stripe event once; a second delivery of its id changes nothing and says so."""
    event_id, kind = str(event["id"]), str(event["type"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event_id,
                    type=kind[:100],
                    livemode=bool(event.get("livemode")),
                    created=epoch(event.get("created")),
                )
        except IntegrityError:
            return EventOutcome(event_id, kind, "already processed", duplicate=True)
        handler = HANDLERS.get(kind)
        outcome = handler(event) if handler else "ignored: not an event Turf acts on"
        record.outcome = outcome[:200]
        record.save(update_fields=["outcome"])
    logger.info("stripe event %s %s: %s", event_id, kind, outcome)
    return EventOutcome(event_id, kind, outcome)


# -- whose subscription ---------------------------------------------------------------------------------------


def _user_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _subscription_row(*, subscription_id: str = "", customer_id: str = "", user_id=None) -> Subscription | None:
    """Our subscription row an object of Stripe's belongs to, locked: by subscription, customer, then user id."""
    rows = Subscription.objects.select_for_update().select_related("plan", "user")
    if subscription_id:
        row = rows.filter(stripe_subscription_id=subscription_id).first()
        if row is not None:
            return row
    if customer_id:
        row = rows.filter(stripe_customer_id=customer_id).first()
        if row is not None:
            return row
    user_id = _user_id(user_id)
    return rows.filter(user_id=user_id).first() if user_id else None


def _cheapest() -> Plan:
    return plan_list().first()


def _plan_of_price(price_id: str) -> Plan | None:
    return Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None


def _audit_status(row: Subscription, before: dict) -> None:
    after = {"status": row.status, "cancel_at_period_end": row.cancel_at_period_end}
    if after != before:
        audit_write(
            action=AuditAction.SUBSCRIPTION_CHANGED,
            actor_kind=ActorKind.STRIPE,
            subject=row.user_id,
            target="subscription",
            before=before,
            after=after,
        )


def _state(row: Subscription) -> dict:
    return {"status": row.status, "cancel_at_period_end": row.cancel_at_period_end}


def _set(row: Subscription, *, plan: Plan, **fields) -> Subscription:
    """Write the row's new state through the one plan setter (which audits a change of plan), and its status."""
    before = _state(row)
    row = subscription_plan_set(user=row.user, plan=plan, actor_kind=ActorKind.STRIPE, **fields)
    _audit_status(row, before)
    return row


# -- the past-due grace ---------------------------------------------------------------------------------------


def grace_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """A subscription past due since before this has had its grace period."""
    return (now or timezone.now()) - dt.timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS)


def _past_due_expired(row: Subscription, now: dt.datetime | None = None) -> bool:
    return (
        row.status == SubscriptionStatus.PAST_DUE
        and row.past_due_since is not None
        and row.past_due_since <= grace_cutoff(now)
        and row.plan_id != _cheapest().pk
    )


def subscription_past_due_expire(*, now: dt.datetime | None = None, actor_kind: str = ActorKind.SYSTEM) -> int:
    """Put on the free plan every subscription past due for longer than the grace period; returns how many."""
    cutoff = grace_cutoff(now)
    due = Subscription.objects.filter(status=SubscriptionStatus.PAST_DUE, past_due_since__lte=cutoff).exclude(
        plan=_cheapest()
    )
    expired = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            # Judged again under the row's lock: a payment may have come in since the list was read.
            row = Subscription.objects.select_for_update().select_related("user").get(pk=pk)
            if _past_due_expired(row, now):
                subscription_plan_set(user=row.user, plan=_cheapest(), actor_kind=actor_kind)
                expired += 1
    return expired


# -- the handlers ---------------------------------------------------------------------------------------------


def _checkout_completed(event: dict) -> str:
    session = event["data"]["object"]
    if session.get("mode") != "subscription":
        return "ignored: not a subscription checkout"
    metadata = session.get("metadata") or {}
    subscription_id, customer_id = object_id(session.get("subscription")), object_id(session.get("customer"))
    row = _subscription_row(user_id=session.get("client_reference_id") or metadata.get("user_id"))
    if row is None:
        return "no such user"
    if row.stripe_subscription_id == subscription_id and subscription_id:
        # The subscription's own event came first and set plan and status from its price: only link the customer.
        if customer_id and row.stripe_customer_id != customer_id:
            Subscription.objects.filter(pk=row.pk).update(stripe_customer_id=customer_id)
        return "linked; the subscription was applied already"
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        Subscription.objects.filter(pk=row.pk).update(stripe_customer_id=customer_id or row.stripe_customer_id)
        return f"linked; payment {session.get('payment_status')}: the plan waits for the subscription"
    plan = Plan.objects.filter(code=metadata.get("plan", ""), is_active=True).exclude(stripe_price_id="").first()
    if plan is None:
        return f"unknown plan {metadata.get('plan')!r}: the plan waits for the subscription"
    _set(
        row,
        plan=plan,
        status=SubscriptionStatus.ACTIVE,
        stripe_subscription_id=subscription_id,
        stripe_customer_id=customer_id or row.stripe_customer_id,
        cancel_at_period_end=False,
        past_due_since=None,
    )
    return f"subscribed to {plan.code}"


def _subscription_changed(event: dict) -> str:
    obj = event["data"]["object"]
    subscription_id, customer_id = object_id(obj.get("id")), object_id(obj.get("customer"))
    status = SubscriptionStatus.CANCELED if event["type"].endswith(".deleted") else obj.get("status", "")
    if status not in SubscriptionStatus.values:
        return f"ignored: unknown status {status!r}"
    row = _subscription_row(
        subscription_id=subscription_id, customer_id=customer_id, user_id=(obj.get("metadata") or {}).get("user_id")
    )
    if row is None:
        return "no subscriber for this subscription"
    current = row.stripe_subscription_id
    if current == subscription_id and row.status in ENDED_STATUSES and status not in ENDED_STATUSES:
        return "ignored: this subscription has ended (a late event)"
    if current and current != subscription_id and (row.status in LIVE_STATUSES or status in ENDED_STATUSES):
        return "ignored: not the subscriber's current subscription"
    fields = {
        "status": status,
        "stripe_subscription_id": subscription_id,
        "stripe_customer_id": customer_id or row.stripe_customer_id,
        "current_period_end": subscription_period_end(obj) or row.current_period_end,
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end") or obj.get("cancel_at")),
    }
    when = epoch(event.get("created")) or timezone.now()
    if status in PAID_STATUSES:
        price = subscription_price_id(obj)
        plan = _plan_of_price(price)
        if plan is None:
            _set(row, plan=row.plan, past_due_since=None, **fields)
            return f"{status}; unknown price {price!r}: plan kept ({row.plan.code})"
        _set(row, plan=plan, past_due_since=None, **fields)
        return f"{status}: {plan.code}"
    if status == SubscriptionStatus.PAST_DUE:
        row = _set(row, plan=row.plan, past_due_since=row.past_due_since or when, **fields)
        return _past_due_outcome(row)
    if status in FREE_STATUSES:
        _set(row, plan=_cheapest(), past_due_since=None, **fields)
        return f"{status}: {_cheapest().code}"
    _set(row, plan=row.plan, **fields)  # incomplete: the first payment is under way; nothing is opened yet
    return f"{status}: plan kept ({row.plan.code})"


def _past_due_outcome(row: Subscription) -> str:
    if _past_due_expired(row):
        subscription_plan_set(user=row.user, plan=_cheapest(), actor_kind=ActorKind.STRIPE)
        return f"past due since {row.past_due_since:%Y-%m-%d}, past the grace period: {_cheapest().code}"
    return f"past due since {row.past_due_since:%Y-%m-%d}: plan kept during the grace period"


def _invoice_store(invoice: dict, row: Subscription | None) -> Invoice:
    start, end = invoice_period(invoice)
    stored, _ = Invoice.objects.update_or_create(
        stripe_invoice_id=str(invoice["id"]),
        defaults={
            "user_id": row.user_id if row is not None else None,
            "stripe_customer_id": object_id(invoice.get("customer")),
            "number": invoice.get("number") or "",
            "status": str(invoice.get("status") or "")[:30],
            "amount_due": max(0, int(invoice.get("amount_due") or 0)),
            "amount_paid": max(0, int(invoice.get("amount_paid") or 0)),
            "currency": str(invoice.get("currency") or "eur")[:3],
            "period_start": start,
            "period_end": end,
            "hosted_invoice_url": (invoice.get("hosted_invoice_url") or "")[:500],
        },
    )
    return stored


def _invoice_row(invoice: dict) -> tuple[str, Subscription | None]:
    subscription_id = invoice_subscription_id(invoice)
    row = _subscription_row(subscription_id=subscription_id, customer_id=object_id(invoice.get("customer")))
    return subscription_id, row


def _invoice_paid(event: dict) -> str:
    invoice = event["data"]["object"]
    subscription_id, row = _invoice_row(invoice)
    _invoice_store(invoice, row)
    if row is None:
        return "invoice stored; no subscriber for it"
    if not subscription_id or row.stripe_subscription_id != subscription_id:
        return "invoice stored"
    if row.status != SubscriptionStatus.PAST_DUE:
        return "invoice stored"
    # Paid again after a failure: the plan of the price paid for (it may have fallen to free past the grace).
    plan = _plan_of_price(invoice_price_id(invoice)) or row.plan
    _set(row, plan=plan, status=SubscriptionStatus.ACTIVE, past_due_since=None)
    return f"invoice stored; paid again: active on {plan.code}"


def _invoice_failed(event: dict) -> str:
    invoice = event["data"]["object"]
    subscription_id, row = _invoice_row(invoice)
    _invoice_store(invoice, row)
    if row is None:
        return "invoice stored; no subscriber for it"
    if not subscription_id or row.stripe_subscription_id != subscription_id:
        return "invoice stored"
    if row.status not in (*PAID_STATUSES, SubscriptionStatus.PAST_DUE):
        return f"invoice stored; subscription {row.status}"
    when = epoch(event.get("created")) or timezone.now()
    row = _set(row, plan=row.plan, status=SubscriptionStatus.PAST_DUE, past_due_since=row.past_due_since or when)
    return "invoice stored; " + _past_due_outcome(row)


HANDLERS: dict[str, Callable[[dict], str]] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "invoice.paid": _invoice_paid,
    "invoice.payment_succeeded": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
}
