"""The account's subscription section and its buttons: off to Stripe (the local stub), or back with a message."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from billing.models import Plan, Subscription, SubscriptionStatus
from billing.tests import stripe_stub as stripe_api

pytestmark = pytest.mark.django_db
# Stripe's API on loopback, and premium and pro on sale (billing's fixtures).
stripe_stub, plans_sold = stripe_api.stripe_stub, stripe_api.plans_sold
CHECKOUT = "/account/billing/checkout/{}/"


@pytest.fixture
def verified(client, free_user):
    free_user.email_verified_at = timezone.now()
    free_user.save(update_fields=["email_verified_at"])
    client.force_login(free_user)
    return free_user


def on_stripe(user, stub, *, plan="premium", status=SubscriptionStatus.ACTIVE, **fields):
    sub = stub.subscription(customer="cus_live", price=stripe_api.PRICES[plan], status=status)
    end = dt.datetime.fromtimestamp(sub["items"]["data"][0]["current_period_end"], tz=dt.UTC)
    Subscription.objects.filter(user=user).update(
        plan=Plan.objects.get(code=plan),
        status=status,
        stripe_customer_id="cus_live",
        stripe_subscription_id=sub["id"],
        current_period_end=end,
        **fields,
    )
    return sub


def section(response) -> str:
    html = response.content.decode()
    return html[html.index('<h2 id="billing">') :]


def messages_of(response) -> list[str]:
    return re.findall(r'data-billing-message="\w+">(.*?)</div>', response.content.decode(), re.S)


# -- the section -----------------------------------------------------------------------------------------------


def test_a_free_subscriber_sees_the_plan_and_an_upgrade_button_per_higher_plan(client, free_user):
    client.force_login(free_user)
    html = section(client.get("/account/"))
    assert "Free" in html and 'data-billing-status="active"' in html
    actions = re.findall(r'<form method="post" action="([^"]+)" class="upgrade">', html)
    assert actions == [CHECKOUT.format("premium"), CHECKOUT.format("pro")]
    assert "Manage billing" not in html and "Cancel at the end" not in html
    assert "Payments are not configured on this server." in html


def test_a_paying_subscriber_sees_the_renewal_the_portal_and_the_cancellation(client, verified, stripe_stub):
    on_stripe(verified, stripe_stub, plan="premium")
    html = section(client.get("/account/"))
    end = Subscription.objects.get(user=verified).current_period_end
    assert "Renews on" in html and f"{end:%Y}" in html
    assert "Manage billing" in html and "/account/billing/cancel/" in html
    assert 'class="upgrade"' not in html and "use <em>Manage billing</em>" in html
    assert "Payments are not configured" not in html


def test_a_cancelled_subscription_shows_when_it_ends(client, verified, stripe_stub):
    on_stripe(verified, stripe_stub, cancel_at_period_end=True)
    html = section(client.get("/account/"))
    assert "Ends on" in html and "cancelled" in html and "/account/billing/cancel/" not in html


def test_a_failed_payment_shows_how_long_the_plan_is_kept(client, verified, stripe_stub, settings):
    since = timezone.now() - dt.timedelta(days=2)
    on_stripe(verified, stripe_stub, status=SubscriptionStatus.PAST_DUE, past_due_since=since)
    html = section(client.get("/account/"))
    grace_end = timezone.localtime(since + dt.timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS))
    assert "Your last payment failed" in html and f"until {grace_end.day} {grace_end:%B %Y}" in html


def test_the_account_page_lists_todays_calls_per_endpoint_without_counting_itself(client, api, free_user):
    client.force_login(free_user)
    client.get("/?date=2025-11-05")
    api.as_user(free_user).get("/api/v1/auth/me")
    api.get("/api/v1/auth/me")
    html = section(client.get("/account/"))
    rows = re.findall(r"<tr><td><code>(.*?)</code></td><td class=\"num\">(\d+)</td></tr>", html)
    assert rows == [("GET /api/v1/auth/me", "2")]  # the pages' views have their own limit: not API calls


@pytest.mark.parametrize("state, text", [("success", "Thank you!"), ("cancel", "nothing was charged")])
def test_the_return_from_checkout_says_what_happened(client, free_user, state, text):
    client.force_login(free_user)
    assert text in section(client.get(f"/account/?checkout={state}"))


# -- checkout --------------------------------------------------------------------------------------------------


def test_an_upgrade_button_sends_the_subscriber_to_stripe_checkout(client, verified, stripe_stub, plans_sold):
    response = client.post(CHECKOUT.format("pro"))
    assert response.status_code == 302 and response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_")
    (session,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    assert session.params["metadata[plan]"] == "pro" and session.params["client_reference_id"] == str(verified.pk)


@pytest.mark.parametrize(
    "setup, said",
    [
        ("no keys", "Payments are not configured on this server"),
        ("stripe down", "could not be reached"),
        ("unverified", "Verify your e-mail address"),
        ("not on sale", "not a plan on sale"),
    ],
)
def test_a_checkout_that_cannot_be_made_is_a_message_on_the_account_page(
    client, free_user, stripe_stub, plans_sold, settings, setup, said
):
    client.force_login(free_user)
    if setup != "unverified":
        free_user.email_verified_at = timezone.now()
        free_user.save()
    if setup == "no keys":
        settings.STRIPE_SECRET_KEY = ""
    elif setup == "stripe down":
        stripe_stub.stop()
    plan = "gold" if setup == "not on sale" else "premium"
    response = client.post(CHECKOUT.format(plan))
    assert response.status_code == 302 and response["Location"] == "/account/"
    page = client.get("/account/")
    assert page.status_code == 200
    (message,) = messages_of(page)
    assert said in message
    assert messages_of(client.get("/account/")) == []  # shown once
    assert Subscription.objects.get(user=free_user).stripe_customer_id == ""


def test_the_checkout_route_by_get_leads_to_the_account_page(client, verified, stripe_stub, plans_sold):
    response = client.get(CHECKOUT.format("premium"))
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert stripe_stub.requests == []


def test_a_visitor_is_sent_to_log_in_first(client):
    response = client.post(CHECKOUT.format("premium"))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_refused_pages_upgrade_button_leads_to_checkout_for_the_plan_named(
    client, verified, stripe_stub, plans_sold
):
    refused = client.get("/value-bets/?date=2025-11-05")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert f'action="{CHECKOUT.format("premium")}"' in html and "Upgrade to Premium" in html
    response = client.post(CHECKOUT.format("premium"))
    assert response.status_code == 302 and response["Location"].startswith("https://checkout.stripe.test/")


# -- portal and cancel -----------------------------------------------------------------------------------------


def test_manage_billing_sends_the_subscriber_to_the_portal(client, verified, stripe_stub):
    on_stripe(verified, stripe_stub)
    response = client.post("/account/billing/portal/")
    assert response.status_code == 302 and response["Location"].startswith("https://billing.stripe.test/p/session/")


def test_the_portal_without_a_stripe_customer_is_a_message(client, verified, stripe_stub):
    response = client.post("/account/billing/portal/", follow=True)
    assert response.status_code == 200 and "subscribe first" in messages_of(response)[0]


def test_cancel_asks_for_confirmation_then_cancels_at_the_end_of_the_period(client, verified, stripe_stub):
    sub = on_stripe(verified, stripe_stub)
    confirm = client.get("/account/billing/cancel/")
    assert confirm.status_code == 200 and "Yes, cancel at the end of the period" in confirm.content.decode()
    assert stripe_stub.requests == []  # looking at the confirmation cancels nothing
    response = client.post("/account/billing/cancel/", follow=True)
    (message,) = messages_of(response)
    assert "Your Premium subscription is cancelled: it ends on" in message
    assert stripe_stub.calls("POST", f"/v1/subscriptions/{sub['id']}")[0].params == {"cancel_at_period_end": "true"}
    assert Subscription.objects.get(user=verified).cancel_at_period_end


def test_cancel_with_stripe_down_is_a_message_and_nothing_changes(client, verified, stripe_stub):
    on_stripe(verified, stripe_stub)
    stripe_stub.stop()
    response = client.post("/account/billing/cancel/", follow=True)
    assert "could not be reached" in messages_of(response)[0]
    assert not Subscription.objects.get(user=verified).cancel_at_period_end


def test_the_cancel_page_without_a_paid_subscription_says_so(client, free_user):
    client.force_login(free_user)
    assert "no paid subscription to cancel" in client.get("/account/billing/cancel/").content.decode()
