"""What billing exports about a user (GDPR Art. 15): the subscription and the invoices, nobody else's."""

import datetime as dt

import pytest

from billing.gdpr import account_data
from billing.models import Invoice, Plan, Subscription

pytestmark = pytest.mark.django_db


def test_the_export_has_the_subscription_and_the_users_invoices(free_user, other_user):
    end = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    Subscription.objects.filter(user=free_user).update(
        plan=Plan.objects.get(code="pro"),
        stripe_customer_id="cus_1",
        stripe_subscription_id="sub_1",
        current_period_end=end,
        cancel_at_period_end=True,
    )
    Invoice.objects.create(user=free_user, stripe_invoice_id="in_1", number="T-1", status="paid", amount_paid=4990)
    Invoice.objects.create(user=other_user, stripe_invoice_id="in_2", number="T-2", status="paid")
    data = account_data(free_user)
    assert set(data) == {"subscription", "invoices"}
    subscription = data["subscription"]
    assert (subscription["plan"], subscription["status"], subscription["stripe_subscription_id"]) == (
        "pro",
        "active",
        "sub_1",
    )
    assert subscription["current_period_end"] == end.isoformat() and subscription["cancel_at_period_end"] is True
    assert [(i["stripe_invoice_id"], i["amount_paid"]) for i in data["invoices"]] == [("in_1", 4990)]


def test_the_export_is_named_in_the_settings(settings):
    assert "billing.gdpr.account_data" in settings.TURF_ACCOUNT_DATA


def test_invoices_outlive_the_account_as_the_law_requires(free_user):
    Invoice.objects.create(user=free_user, stripe_invoice_id="in_1", status="paid", amount_paid=1990)
    free_user.delete()
    invoice = Invoice.objects.get()
    assert invoice.user is None and invoice.amount_paid == 1990
