"""An account being erased stops being billed first: its Stripe subscription is cancelled at once, or the erasure
stops (Stripe unreachable, payments not configured)."""

import pytest

from accounts.signals import account_erasing
from billing.models import Plan, Subscription, SubscriptionStatus
from turf.errors import BillingUnavailable, PaymentProviderError

pytestmark = pytest.mark.django_db


def erase(user):
    account_erasing.send(sender=type(user), user=user)


def on_stripe(user, stub, status=SubscriptionStatus.ACTIVE):
    sub = stub.subscription(customer="cus_live", status=status) if stub else {"id": "sub_live"}
    Subscription.objects.filter(user=user).update(
        plan=Plan.objects.get(code="premium"),
        status=status,
        stripe_customer_id="cus_live",
        stripe_subscription_id=sub["id"],
    )
    return sub


def test_erasing_an_account_cancels_its_stripe_subscription_at_once(free_user, stripe_stub):
    sub = on_stripe(free_user, stripe_stub)
    erase(free_user)
    (call,) = stripe_stub.calls("DELETE")
    assert call.path == f"/v1/subscriptions/{sub['id']}"
    assert stripe_stub.subscriptions[sub["id"]]["status"] == "canceled"


def test_a_subscription_stripe_no_longer_has_does_not_stop_the_erasure(free_user, stripe_stub):
    on_stripe(free_user, None)  # unknown to the stub: 404 resource_missing
    erase(free_user)
    assert len(stripe_stub.calls("DELETE")) == 1


def test_stripe_unreachable_stops_the_erasure(free_user, stripe_stub):
    on_stripe(free_user, stripe_stub)
    stripe_stub.stop()
    with pytest.raises(PaymentProviderError):
        erase(free_user)


def test_stripe_refusing_stops_the_erasure(free_user, stripe_stub):
    on_stripe(free_user, stripe_stub)
    stripe_stub.fail(500)
    with pytest.raises(PaymentProviderError):
        erase(free_user)


def test_a_paid_subscription_without_the_keys_stops_the_erasure(free_user):
    on_stripe(free_user, None)
    with pytest.raises(BillingUnavailable):
        erase(free_user)


@pytest.mark.parametrize("status", [SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED])
def test_an_ended_or_free_subscription_needs_no_stripe(free_user, other_user, status):
    on_stripe(other_user, None, status=status)
    erase(free_user)  # free, no keys: nothing to stop
    erase(other_user)  # ended at Stripe: nothing to cancel
