"""The paying life of an account, end to end through the API and Stripe's stub and webhooks: sign up, (verified),
checkout, paid -> pro, cancel at period end, deleted -> free."""

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import tokens_issue
from billing.tests.stripe_stub import PRICES, checkout_session_object, event, webhook_post

pytestmark = pytest.mark.django_db
STRONG = "Correct-Horse-42!"


def test_sign_up_checkout_pay_cancel_and_fall_back_to_free(api, client, stripe_stub, plans_sold):
    user = User.objects.create_user(email="newbie@turf.test", password=STRONG)  # signed up: on the free plan
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user)['access_token']}")
    assert api.get("/api/v1/billing/subscription").json()["plan"]["code"] == "free"
    assert api.post("/api/v1/billing/checkout", {"plan": "pro"}, format="json").status_code == 403  # unverified
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())  # accounts' verification

    checkout = api.post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")
    assert checkout.status_code == 200
    (session_call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    customer = session_call.params["customer"]

    # The subscriber pays on Stripe's page; Stripe creates the subscription and tells us, in its own order.
    sub = stripe_stub.subscription(customer=customer, price=PRICES["pro"], metadata={"user_id": str(user.pk)})
    assert webhook_post(client, event("customer.subscription.created", sub)).status_code == 200
    paid = checkout_session_object(user_id=user.pk, plan="pro", customer=customer, subscription=sub["id"])
    assert webhook_post(client, event("checkout.session.completed", paid)).status_code == 200
    state = api.get("/api/v1/billing/subscription").json()
    assert (state["plan"]["code"], state["status"], state["paid"]) == ("pro", "active", True)
    assert api.get("/api/v1/backtests").status_code == 200  # pro opens the backtests

    cancelled = api.post("/api/v1/billing/cancel").json()
    assert cancelled["cancel_at_period_end"] is True and cancelled["plan"]["code"] == "pro"
    assert (
        webhook_post(client, event("customer.subscription.updated", stripe_stub.subscriptions[sub["id"]])).json()[
            "outcome"
        ]
        == "active: pro"
    )

    # The period ends: Stripe deletes the subscription.
    ended = {**stripe_stub.subscriptions[sub["id"]], "status": "canceled"}
    assert webhook_post(client, event("customer.subscription.deleted", ended)).status_code == 200
    state = api.get("/api/v1/billing/subscription").json()
    assert (state["plan"]["code"], state["status"], state["paid"]) == ("free", "canceled", False)
    assert api.get("/api/v1/backtests").status_code == 403
    # And they may come back.
    assert api.post("/api/v1/billing/checkout", {"plan": "premium"}, format="json").status_code == 200
