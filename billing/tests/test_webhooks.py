"""``POST billing/webhook``: Stripe's signed events move the subscription, once each, whatever the delivery."""

import datetime as dt
import json
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing import webhooks
from billing.models import Invoice, Plan, StripeEvent, Subscription, SubscriptionStatus
from billing.tests.stripe_stub import (
    PRICES,
    WEBHOOK_SECRET,
    checkout_session_object,
    event,
    invoice_object,
    signature,
    subscription_object,
    webhook_post,
)
from turf.models import ActorKind, AuditAction, AuditEntry
from turf.tests.test_envelope import assert_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings, plans_sold):
    """Stripe's keys set (the webhook needs no call to Stripe), premium and pro on sale."""
    settings.STRIPE_SECRET_KEY = "sk_test_turf"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


def row(user) -> Subscription:
    return Subscription.objects.select_related("plan").get(user=user)


def on_stripe(user, *, plan="premium", status=SubscriptionStatus.ACTIVE, sub_id="sub_live", **fields) -> None:
    Subscription.objects.filter(user=user).update(
        plan=Plan.objects.get(code=plan),
        status=status,
        stripe_customer_id="cus_live",
        stripe_subscription_id=sub_id,
        **fields,
    )


def deliver(client, evt) -> dict:
    response = webhook_post(client, evt)
    assert response.status_code == 200, response.content
    return response.json()


def subscription_event(kind="customer.subscription.updated", *, user=None, created=None, **fields):
    fields.setdefault("id", "sub_live")
    fields.setdefault("customer", "cus_live")
    if user is not None:
        fields["metadata"] = {"user_id": str(user.pk)}
    return event(kind, subscription_object(**fields), created=created)


def plan_changes(user):
    return list(
        AuditEntry.objects.filter(action=AuditAction.PLAN_CHANGED, subject_id=user.pk).values_list(
            "actor_kind", "before", "after"
        )
    )


# -- configuration and signatures ------------------------------------------------------------------------------


def test_without_the_keys_the_webhook_answers_503(client, free_user):
    response = webhook_post(client, subscription_event(user=free_user))
    assert_envelope(response, 503, "billing_unavailable")
    assert not StripeEvent.objects.exists()


def test_without_the_webhook_secret_the_webhook_answers_503(client, keys):
    keys.STRIPE_WEBHOOK_SECRET = ""
    assert_envelope(webhook_post(client, subscription_event()), 503, "billing_unavailable")


@pytest.mark.parametrize(
    "header",
    [
        None,  # no signature at all
        "garbage",
        "t=notanumber,v1=abc",
        "t=1700000000",  # no v1 signature
    ],
)
def test_a_missing_or_malformed_signature_is_a_400_and_nothing_changes(client, keys, free_user, header):
    evt = subscription_event("customer.subscription.created", user=free_user, price=PRICES["pro"])
    body = assert_envelope(webhook_post(client, evt, header=header), 400, "invalid_parameter")
    assert body["message"].startswith("Stripe-Signature:")
    assert not StripeEvent.objects.exists() and row(free_user).plan.code == "free"


def test_a_signature_with_another_secret_is_refused(client, keys, free_user):
    evt = subscription_event("customer.subscription.created", user=free_user, price=PRICES["pro"])
    assert_envelope(webhook_post(client, evt, secret="whsec_someone_else"), 400, "invalid_parameter")
    assert row(free_user).plan.code == "free"


def test_a_tampered_body_is_refused(client, keys, free_user):
    evt = subscription_event("customer.subscription.created", user=free_user, price=PRICES["premium"])
    payload = json.dumps(evt)
    header = signature(payload)
    tampered = payload.replace(PRICES["premium"], PRICES["pro"])
    assert_envelope(webhook_post(client, tampered, header=header), 400, "invalid_parameter")
    assert row(free_user).plan.code == "free"


def test_an_old_signature_is_refused_as_a_replay(client, keys, free_user):
    payload = json.dumps(subscription_event("customer.subscription.created", user=free_user))
    header = signature(payload, timestamp=int(time.time()) - 3600)
    assert_envelope(webhook_post(client, payload, header=header), 400, "invalid_parameter")


def test_a_signed_body_that_is_not_an_event_is_refused(client, keys):
    assert_envelope(webhook_post(client, "not json"), 400, "invalid_parameter")
    assert_envelope(webhook_post(client, '{"id": "evt_1"}'), 400, "invalid_parameter")


def test_the_webhook_counts_against_no_limit(client, keys, free_user, settings):
    settings.API_RATE_ANON = {"minute": 1, "day": 1}
    for _ in range(3):
        response = webhook_post(client, event("ping.unknown", {"id": "x", "object": "thing"}))
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"] == "1"


# -- the events ------------------------------------------------------------------------------------------------


def test_a_completed_checkout_puts_the_subscriber_on_the_plan_bought(client, keys, free_user):
    session = checkout_session_object(user_id=free_user.pk, plan="pro", customer="cus_new", subscription="sub_new")
    body = deliver(client, event("checkout.session.completed", session))
    assert body["outcome"] == "subscribed to pro" and body["duplicate"] is False
    subscription = row(free_user)
    assert subscription.plan.code == "pro" and subscription.status == SubscriptionStatus.ACTIVE
    assert (subscription.stripe_customer_id, subscription.stripe_subscription_id) == ("cus_new", "sub_new")
    assert plan_changes(free_user) == [(ActorKind.STRIPE, {"plan": "free"}, {"plan": "pro"})]
    recorded = StripeEvent.objects.get()
    assert recorded.type == "checkout.session.completed" and recorded.outcome == "subscribed to pro"


def test_a_checkout_not_yet_paid_only_links_the_customer(client, keys, free_user):
    session = checkout_session_object(
        user_id=free_user.pk, plan="pro", customer="cus_new", subscription="sub_new", payment_status="unpaid"
    )
    deliver(client, event("checkout.session.completed", session))
    subscription = row(free_user)
    assert subscription.plan.code == "free" and subscription.stripe_customer_id == "cus_new"


def test_a_checkout_of_nobody_we_know_is_recorded_and_changes_nothing(client, keys, free_user):
    session = checkout_session_object(user_id=999_999, plan="pro", customer="cus_x", subscription="sub_x")
    assert deliver(client, event("checkout.session.completed", session))["outcome"] == "no such user"
    assert row(free_user).plan.code == "free" and StripeEvent.objects.count() == 1


def test_a_new_subscription_takes_the_plan_of_its_price(client, keys, free_user):
    Subscription.objects.filter(user=free_user).update(stripe_customer_id="cus_live")  # set at checkout
    evt = subscription_event("customer.subscription.created", price=PRICES["pro"], period_end=1_900_000_000)
    assert deliver(client, evt)["outcome"] == "active: pro"
    subscription = row(free_user)
    assert subscription.plan.code == "pro" and subscription.stripe_subscription_id == "sub_live"
    assert subscription.current_period_end == dt.datetime.fromtimestamp(1_900_000_000, tz=dt.UTC)


def test_a_subscription_event_before_the_checkout_finds_the_user_by_its_metadata(client, keys, free_user):
    deliver(client, subscription_event("customer.subscription.created", user=free_user, price=PRICES["premium"]))
    assert row(free_user).plan.code == "premium"
    session = checkout_session_object(
        user_id=free_user.pk, plan="premium", customer="cus_live", subscription="sub_live"
    )
    assert deliver(client, event("checkout.session.completed", session))["outcome"].startswith("linked")
    assert len(plan_changes(free_user)) == 1


def test_a_trial_opens_the_plan(client, keys, free_user):
    deliver(client, subscription_event("customer.subscription.created", user=free_user, status="trialing"))
    assert row(free_user).plan.code == "premium" and row(free_user).status == "trialing"


def test_a_change_of_price_moves_the_plan(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    deliver(client, subscription_event(price=PRICES["pro"]))
    assert row(free_user).plan.code == "pro"
    assert plan_changes(free_user)[-1] == (ActorKind.STRIPE, {"plan": "premium"}, {"plan": "pro"})


def test_an_unknown_price_keeps_the_plan_and_says_so(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    body = deliver(client, subscription_event(price="price_unknown"))
    assert "unknown price 'price_unknown'" in body["outcome"] and row(free_user).plan.code == "premium"


def test_a_cancellation_at_period_end_keeps_the_plan_until_then(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    deliver(client, subscription_event(cancel_at_period_end=True))
    subscription = row(free_user)
    assert subscription.cancel_at_period_end and subscription.plan.code == "premium"
    entry = AuditEntry.objects.get(action=AuditAction.SUBSCRIPTION_CHANGED)
    assert entry.actor_kind == ActorKind.STRIPE and entry.after["cancel_at_period_end"] is True


def test_a_deleted_subscription_falls_to_free(client, keys, free_user):
    on_stripe(free_user, plan="pro")
    body = deliver(client, subscription_event("customer.subscription.deleted", price=PRICES["pro"], status="canceled"))
    assert body["outcome"] == "canceled: free"
    subscription = row(free_user)
    assert subscription.plan.code == "free" and subscription.status == SubscriptionStatus.CANCELED
    assert plan_changes(free_user)[-1] == (ActorKind.STRIPE, {"plan": "pro"}, {"plan": "free"})


@pytest.mark.parametrize("status", ["unpaid", "incomplete_expired", "paused"])
def test_a_subscription_that_is_not_paid_for_falls_to_free(client, keys, free_user, status):
    on_stripe(free_user, plan="premium")
    deliver(client, subscription_event(status=status))
    assert row(free_user).plan.code == "free" and row(free_user).status == status


def test_a_late_event_does_not_revive_a_deleted_subscription(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    deliver(client, subscription_event("customer.subscription.deleted", status="canceled"))
    body = deliver(client, subscription_event(status="active"))  # sent before the deletion, delivered after
    assert "has ended" in body["outcome"] and row(free_user).plan.code == "free"


def test_an_event_of_an_older_subscription_leaves_the_current_one(client, keys, free_user):
    on_stripe(free_user, plan="pro", sub_id="sub_current")
    body = deliver(client, subscription_event("customer.subscription.deleted", id="sub_old", status="canceled"))
    assert "not the subscriber's current" in body["outcome"]
    assert row(free_user).plan.code == "pro" and row(free_user).stripe_subscription_id == "sub_current"


def test_an_event_of_nobody_we_know_changes_nothing(client, keys, free_user):
    evt = subscription_event(id="sub_stranger", customer="cus_stranger")
    assert deliver(client, evt)["outcome"] == "no subscriber for this subscription"


def test_an_event_type_turf_does_not_act_on_is_recorded_and_ignored(client, keys):
    body = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert body["outcome"].startswith("ignored")
    assert StripeEvent.objects.get().type == "customer.created"


# -- past due and the grace period -----------------------------------------------------------------------------


def test_past_due_keeps_the_plan_during_the_grace_period(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    first = int(time.time()) - 2 * 86_400
    body = deliver(client, subscription_event(status="past_due", created=first))
    assert "grace period" in body["outcome"]
    subscription = row(free_user)
    assert subscription.plan.code == "premium" and subscription.status == "past_due"
    assert subscription.past_due_since == dt.datetime.fromtimestamp(first, tz=dt.UTC)
    deliver(client, subscription_event(status="past_due"))  # a later retry fails again: since when, unchanged
    assert row(free_user).past_due_since == dt.datetime.fromtimestamp(first, tz=dt.UTC)


def test_past_due_beyond_the_grace_period_falls_to_free_at_the_next_event(client, keys, free_user):
    since = timezone.now() - dt.timedelta(days=django_settings.BILLING_PAST_DUE_GRACE_DAYS, hours=1)
    on_stripe(free_user, plan="premium", status="past_due", past_due_since=since)
    body = deliver(client, subscription_event(status="past_due"))
    assert "past the grace period: free" in body["outcome"]
    assert row(free_user).plan.code == "free" and row(free_user).status == "past_due"


def test_a_failed_payment_starts_the_grace_period_and_stores_the_invoice(client, keys, free_user):
    on_stripe(free_user, plan="pro")
    invoice = invoice_object(customer="cus_live", subscription="sub_live", status="open", price=PRICES["pro"])
    body = deliver(client, event("invoice.payment_failed", invoice))
    assert "plan kept during the grace period" in body["outcome"]
    subscription = row(free_user)
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert subscription.plan.code == "pro"
    stored = Invoice.objects.get()
    assert (stored.user, stored.status, stored.amount_due, stored.amount_paid) == (free_user, "open", 1990, 0)


def test_paying_again_after_the_grace_period_restores_the_plan(client, keys, free_user):
    since = timezone.now() - dt.timedelta(days=30)
    on_stripe(free_user, plan="free", status="past_due", past_due_since=since)
    invoice = invoice_object(customer="cus_live", subscription="sub_live", price=PRICES["pro"])
    assert deliver(client, event("invoice.paid", invoice))["outcome"] == "invoice stored; paid again: active on pro"
    subscription = row(free_user)
    assert (subscription.plan.code, subscription.status, subscription.past_due_since) == ("pro", "active", None)


def test_an_invoice_paid_is_stored_once_whatever_events_carry_it(client, keys, free_user):
    on_stripe(free_user, plan="premium")
    invoice = invoice_object(id="in_1", customer="cus_live", subscription="sub_live", number="TURF-0001")
    deliver(client, event("invoice.paid", invoice))
    deliver(client, event("invoice.payment_succeeded", invoice))
    stored = Invoice.objects.get()
    assert (stored.stripe_invoice_id, stored.number, stored.status, stored.amount_paid) == (
        "in_1",
        "TURF-0001",
        "paid",
        1990,
    )
    assert stored.user == free_user and stored.currency == "eur" and stored.period_end > stored.period_start
    assert row(free_user).plan.code == "premium"  # an ordinary renewal changes nothing else


def test_the_daily_task_ends_the_grace_periods_that_are_over(keys, free_user, other_user, eager_celery):
    from billing.tasks import expire_past_due

    grace = dt.timedelta(days=django_settings.BILLING_PAST_DUE_GRACE_DAYS)
    on_stripe(free_user, plan="premium", status="past_due", past_due_since=timezone.now() - grace - dt.timedelta(1))
    on_stripe(other_user, plan="pro", status="past_due", past_due_since=timezone.now() - grace + dt.timedelta(1))
    assert expire_past_due.delay().get() == 1
    assert row(free_user).plan.code == "free" and row(other_user).plan.code == "pro"
    assert plan_changes(free_user) == [(ActorKind.SYSTEM, {"plan": "premium"}, {"plan": "free"})]


def test_the_command_does_the_same(keys, free_user):
    from io import StringIO

    from django.core.management import call_command

    since = timezone.now() - dt.timedelta(days=django_settings.BILLING_PAST_DUE_GRACE_DAYS + 1)
    on_stripe(free_user, plan="premium", status="past_due", past_due_since=since)
    out = StringIO()
    call_command("billing_expire_past_due", stdout=out)
    assert out.getvalue().startswith("1 subscription(s)") and row(free_user).plan.code == "free"
    assert plan_changes(free_user)[0][0] == ActorKind.COMMAND
    call_command("billing_expire_past_due", stdout=out)  # nothing left: nothing written twice
    assert len(plan_changes(free_user)) == 1


def test_the_daily_task_is_scheduled_in_beat():
    from django_celery_beat.models import PeriodicTask

    from turf.celery import app

    task = PeriodicTask.objects.get(task="billing.expire_past_due")
    assert task.enabled and task.crontab is not None and task.task in app.tasks


# -- once each -------------------------------------------------------------------------------------------------


def test_the_same_event_twice_is_applied_once(client, keys, free_user):
    session = checkout_session_object(user_id=free_user.pk, plan="pro", customer="cus_new", subscription="sub_new")
    evt = event("checkout.session.completed", session)
    deliver(client, evt)
    Subscription.objects.filter(user=free_user).update(plan=Plan.objects.get(code="premium"))  # staff moved it since
    again = deliver(client, evt)
    assert again["duplicate"] is True and again["outcome"] == "already processed"
    assert row(free_user).plan.code == "premium" and StripeEvent.objects.count() == 1
    assert len(plan_changes(free_user)) == 1


def test_an_event_whose_handling_fails_leaves_nothing_and_can_be_delivered_again(client, keys, free_user, monkeypatch):
    evt = subscription_event("customer.subscription.created", user=free_user, price=PRICES["pro"])

    def broken(event):
        webhooks._subscription_changed(event)
        raise RuntimeError("bug")

    monkeypatch.setitem(webhooks.HANDLERS, "customer.subscription.created", broken)
    client.raise_request_exception = False
    assert webhook_post(client, evt).status_code == 500
    assert not StripeEvent.objects.exists() and row(free_user).plan.code == "free"
    monkeypatch.undo()
    assert deliver(client, evt)["outcome"] == "active: pro"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the data of the migrations, restored after
@pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith(".postgresql"),
    reason="two deliveries at once need PostgreSQL (SQLite has one writer)",
)
def test_the_same_event_delivered_twice_at_once_is_applied_once(keys, free_user, monkeypatch):
    session = checkout_session_object(user_id=free_user.pk, plan="pro", customer="cus_new", subscription="sub_new")
    evt = event("checkout.session.completed", session)
    inside = threading.Event()
    handler = webhooks.HANDLERS["checkout.session.completed"]

    def slow(event):
        # The first delivery holds its transaction open (its event row inserted, not committed) while the second
        # one tries to insert the same event id.
        inside.set()
        result = handler(event)
        time.sleep(0.5)
        return result

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", slow)
    answers = {}

    def post(name):
        try:
            answers[name] = webhook_post(Client(), evt)
        finally:
            connection.close()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post, args=("second",))
    second.start()
    first.join(20)
    second.join(20)
    assert answers["first"].status_code == answers["second"].status_code == 200
    assert [answers[n].json()["duplicate"] for n in ("first", "second")] == [False, True]
    assert StripeEvent.objects.count() == 1
    assert row(free_user).plan.code == "pro" and len(plan_changes(free_user)) == 1
