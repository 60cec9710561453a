"""``billing/*``: checkout, portal, cancel through the real SDK against the local Stripe stub; subscription, usage."""

import pytest
from django.utils import timezone

from billing.models import Plan, Subscription, SubscriptionStatus
from billing.tests.stripe_stub import PRICES
from turf.models import ActorKind, AuditAction, AuditEntry
from turf.tests.test_envelope import assert_envelope

pytestmark = pytest.mark.django_db
CHECKOUT, PORTAL, CANCEL = "/api/v1/billing/checkout", "/api/v1/billing/portal", "/api/v1/billing/cancel"
SUBSCRIPTION, USAGE = "/api/v1/billing/subscription", "/api/v1/billing/usage"


def paid(user, stub, *, plan="premium", status=SubscriptionStatus.ACTIVE, **fields):
    """``user`` holding a Stripe subscription to ``plan`` that the stub knows."""
    sub = stub.subscription(customer="cus_paid", price=PRICES[plan], status=status)
    Subscription.objects.filter(user=user).update(
        plan=Plan.objects.get(code=plan),
        status=status,
        stripe_customer_id="cus_paid",
        stripe_subscription_id=sub["id"],
        **fields,
    )
    return sub


def row(user) -> Subscription:
    return Subscription.objects.select_related("plan").get(user=user)


# -- without Stripe's keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, body", [(CHECKOUT, {"plan": "premium"}), (PORTAL, None), (CANCEL, None)])
def test_without_the_keys_payments_answer_503_and_say_so(api, verified, url, body):
    body = assert_envelope(api.as_user(verified).post(url, body, format="json"), 503, "billing_unavailable")
    assert "not configured" in body["message"]


def test_without_the_keys_the_subscription_and_the_usage_still_answer(api, free_user):
    api.as_user(free_user)
    subscription = api.get(SUBSCRIPTION)
    assert subscription.status_code == 200
    assert subscription.json()["plan"]["code"] == "free" and subscription.json()["payments_enabled"] is False
    assert api.get(USAGE).status_code == 200


# -- checkout --------------------------------------------------------------------------------------------------


def test_checkout_opens_a_stripe_subscription_checkout_for_the_plan(api, verified, stripe_stub, plans_sold, settings):
    response = api.as_user(verified).post(CHECKOUT, {"plan": "pro"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["url"].startswith("https://checkout.stripe.test/") and body["session_id"].startswith("cs_")
    (customer,) = stripe_stub.calls("POST", "/v1/customers")
    assert customer.params["email"] == verified.email and customer.params["metadata[user_id]"] == str(verified.pk)
    assert customer.headers["Authorization"] == f"Bearer {settings.STRIPE_SECRET_KEY}"
    (session,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    assert session.params["mode"] == "subscription"
    assert session.headers.get("Idempotency-Key")  # a retried call is not made twice at Stripe
    assert session.params["line_items[0][price]"] == PRICES["pro"]
    assert session.params["client_reference_id"] == str(verified.pk)
    assert session.params["metadata[user_id]"] == str(verified.pk) and session.params["metadata[plan]"] == "pro"
    assert session.params["subscription_data[metadata][user_id]"] == str(verified.pk)
    assert session.params["success_url"] == f"{settings.SITE_URL}/account/?checkout=success"
    assert session.params["cancel_url"] == f"{settings.SITE_URL}/account/?checkout=cancel"
    customer_id = row(verified).stripe_customer_id
    assert customer_id.startswith("cus_") and session.params["customer"] == customer_id
    assert row(verified).plan.code == "free"  # the plan moves when Stripe says it is paid (the webhook)


def test_a_second_checkout_reuses_the_stripe_customer(api, verified, stripe_stub, plans_sold):
    api.as_user(verified).post(CHECKOUT, {"plan": "premium"}, format="json")
    api.post(CHECKOUT, {"plan": "pro"}, format="json")
    assert len(stripe_stub.calls("POST", "/v1/customers")) == 1
    sessions = stripe_stub.calls("POST", "/v1/checkout/sessions")
    assert len(sessions) == 2 and sessions[0].params["customer"] == sessions[1].params["customer"]


def test_checkout_needs_a_verified_email_address(api, free_user, stripe_stub, plans_sold):
    response = api.as_user(free_user).post(CHECKOUT, {"plan": "premium"}, format="json")
    assert_envelope(response, 403, "email_not_verified")
    assert stripe_stub.requests == []


@pytest.mark.parametrize("plan", ["free", "gold", ""])
def test_checkout_of_a_plan_not_on_sale_is_a_400_naming_the_plans_on_sale(api, verified, stripe_stub, plans_sold, plan):
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": plan}, format="json"), 400)
    assert body["error"] == "invalid_parameter" and body["message"].startswith("plan:")
    if plan:
        assert "premium, pro" in body["message"]
    assert stripe_stub.requests == []


def test_a_plan_without_a_stripe_price_is_not_on_sale(api, verified, stripe_stub, plans_sold):
    Plan.objects.filter(code="pro").update(stripe_price_id="")
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "pro"}, format="json"), 400)
    assert "the plans on sale are: premium." in body["message"]


def test_checkout_refuses_an_unknown_field(api, verified, stripe_stub, plans_sold):
    response = api.as_user(verified).post(CHECKOUT, {"plan": "pro", "coupon": "FREE"}, format="json")
    assert_envelope(response, 400, "invalid_parameter")


def test_a_paid_subscriber_is_sent_to_the_portal_instead(api, verified, stripe_stub, plans_sold):
    paid(verified, stripe_stub)
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "pro"}, format="json"), 409, "conflict")
    assert "billing/portal" in body["message"]
    assert stripe_stub.requests == []


def test_a_subscriber_whose_subscription_ended_may_check_out_again(api, verified, stripe_stub, plans_sold):
    paid(verified, stripe_stub, status=SubscriptionStatus.CANCELED)
    Subscription.objects.filter(user=verified).update(plan=Plan.objects.get(code="free"))
    assert api.as_user(verified).post(CHECKOUT, {"plan": "pro"}, format="json").status_code == 200
    assert stripe_stub.calls("POST", "/v1/customers") == []  # the customer Stripe has already


@pytest.mark.parametrize(
    "status, error_type, said", [(500, "api_error", "refused (500)"), (402, "card_error", "Your card was declined")]
)
def test_stripe_refusing_is_a_502_and_nothing_changes(api, verified, stripe_stub, plans_sold, status, error_type, said):
    stripe_stub.fail(status, error_type, "Your card was declined.")
    before = row(verified).__dict__.copy()
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "premium"}, format="json"), 502)
    assert body["error"] == "payment_provider_error" and said in body["message"]
    assert "nothing was changed" in body["message"]
    after = row(verified)
    assert (after.stripe_customer_id, after.plan_id, after.updated_at) == (
        "",
        before["plan_id"],
        before["updated_at"],
    )


def test_a_checkout_whose_session_fails_keeps_no_customer_id(api, verified, stripe_stub, plans_sold):
    original = stripe_stub.answer

    def customer_then_failure(method, path, params):
        if path == "/v1/checkout/sessions":
            return stripe_stub._error(500, "api_error", "down")
        return original(method, path, params)

    stripe_stub.answer = customer_then_failure
    assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "premium"}, format="json"), 502)
    assert len(stripe_stub.calls("POST", "/v1/customers")) == 1 and row(verified).stripe_customer_id == ""


def test_stripe_down_is_a_502(api, verified, stripe_stub, plans_sold):
    stripe_stub.stop()
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "premium"}, format="json"), 502)
    assert "could not be reached" in body["message"] and row(verified).stripe_customer_id == ""


def test_stripe_too_slow_is_a_502(api, verified, stripe_stub, plans_sold, settings, monkeypatch):
    monkeypatch.setattr("billing.stripe_client.MAX_NETWORK_RETRIES", 0)
    settings.STRIPE_TIMEOUT = 1
    stripe_stub.delay = 1.5
    body = assert_envelope(api.as_user(verified).post(CHECKOUT, {"plan": "premium"}, format="json"), 502)
    assert body["error"] == "payment_provider_error" and row(verified).stripe_customer_id == ""


# -- portal ----------------------------------------------------------------------------------------------------


def test_the_portal_opens_for_a_stripe_customer(api, verified, stripe_stub, settings):
    paid(verified, stripe_stub)
    response = api.as_user(verified).post(PORTAL)
    assert response.status_code == 200 and response.json()["url"].startswith("https://billing.stripe.test/")
    (call,) = stripe_stub.calls("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": "cus_paid", "return_url": f"{settings.SITE_URL}/account/"}


def test_the_portal_needs_a_stripe_customer(api, free_user, stripe_stub):
    body = assert_envelope(api.as_user(free_user).post(PORTAL), 409, "conflict")
    assert "subscribe first" in body["message"] and stripe_stub.requests == []


def test_the_portal_with_stripe_down_is_a_502(api, verified, stripe_stub):
    paid(verified, stripe_stub)
    stripe_stub.stop()
    assert_envelope(api.as_user(verified).post(PORTAL), 502, "payment_provider_error")


# -- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_ends_the_subscription_at_the_end_of_the_period(api, verified, stripe_stub):
    sub = paid(verified, stripe_stub)
    response = api.as_user(verified).post(CANCEL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cancel_at_period_end"] is True and body["plan"]["code"] == "premium" and body["paid"] is True
    (call,) = stripe_stub.calls("POST", "/v1/subscriptions/")
    assert call.path == f"/v1/subscriptions/{sub['id']}" and call.params == {"cancel_at_period_end": "true"}
    subscription = row(verified)
    assert subscription.cancel_at_period_end and subscription.plan.code == "premium"
    assert int(subscription.current_period_end.timestamp()) == sub["items"]["data"][0]["current_period_end"]
    entry = AuditEntry.objects.get(action=AuditAction.SUBSCRIPTION_CHANGED)
    assert (entry.actor_kind, entry.actor_id, entry.subject_id) == (ActorKind.USER, verified.pk, verified.pk)
    assert entry.after == {"cancel_at_period_end": True}


def test_cancel_twice_asks_stripe_once(api, verified, stripe_stub):
    paid(verified, stripe_stub)
    api.as_user(verified).post(CANCEL)
    assert api.post(CANCEL).status_code == 200
    assert len(stripe_stub.calls("POST", "/v1/subscriptions/")) == 1


def test_cancel_without_a_paid_subscription_is_a_conflict(api, free_user, stripe_stub):
    body = assert_envelope(api.as_user(free_user).post(CANCEL), 409, "conflict")
    assert "no paid subscription" in body["message"] and stripe_stub.requests == []


def test_cancel_with_stripe_down_changes_nothing(api, verified, stripe_stub):
    paid(verified, stripe_stub)
    stripe_stub.stop()
    assert_envelope(api.as_user(verified).post(CANCEL), 502, "payment_provider_error")
    assert row(verified).cancel_at_period_end is False
    assert not AuditEntry.objects.filter(action=AuditAction.SUBSCRIPTION_CHANGED).exists()


# -- subscription ----------------------------------------------------------------------------------------------


def test_the_subscription_says_plan_status_period_end_and_cancellation(api, verified, stripe_stub):
    since = timezone.now()
    paid(verified, stripe_stub, plan="pro", status=SubscriptionStatus.PAST_DUE, past_due_since=since)
    body = api.as_user(verified).get(SUBSCRIPTION).json()
    assert body["plan"] == {"code": "pro", "name": "Pro", "monthly_price": 49.9}
    assert body["status"] == "past_due" and body["paid"] is True and body["payments_enabled"] is True
    assert body["cancel_at_period_end"] is False and body["past_due_since"] is not None


def test_the_subscription_needs_a_token(api):
    assert_envelope(api.get(SUBSCRIPTION), 401, "not_authenticated")


# -- usage -----------------------------------------------------------------------------------------------------


def test_usage_counts_todays_calls_per_endpoint_and_they_add_up(api, premium_user):
    api.as_user(premium_user)
    for _ in range(3):
        api.get("/api/v1/auth/me")
    api.get("/api/v1/courses/1-1/predictions")  # a 404 counts as a call too
    api.get("/api/v1/backtests")  # and so does a refusal (pro only)
    body = api.get(USAGE).json()
    endpoints = {row["endpoint"]: row["calls"] for row in body["endpoints"]}
    assert endpoints == {
        "GET /api/v1/auth/me": 3,
        "GET /api/v1/courses/<str:code>/predictions": 1,
        "GET /api/v1/backtests": 1,
        "GET /api/v1/billing/usage": 1,  # this call
    }
    assert body["endpoints"][0] == {"endpoint": "GET /api/v1/auth/me", "calls": 3}
    assert body["requests_today"] == sum(endpoints.values()) == 6
    assert body["requests_this_minute"] == 6 and body["requests_per_minute"] == 60
    assert body["requests_per_day"] == 10_000 and body["plan"] == "premium"


def test_usage_reports_the_daily_quotas_as_auth_me_does(api, free_user):
    api.as_user(free_user).get("/api/v1/predictions/top3")
    usage = api.get(USAGE).json()
    me = api.get("/api/v1/auth/me").json()["usage"]
    assert usage["quotas"] == me["quotas"] == {"top3": {"limit": 1, "used": 1}}
    assert me["requests_today"] == usage["requests_today"] + 1


def test_usage_is_each_users_own(api, free_user, other_user):
    api.as_user(other_user).get("/api/v1/auth/me")
    body = api.as_user(free_user).get(USAGE).json()
    assert body["endpoints"] == [{"endpoint": "GET /api/v1/billing/usage", "calls": 1}]


def test_an_unknown_endpoint_is_counted_as_one(api, free_user):
    api.as_user(free_user).get("/api/v1/no/such/thing")
    api.post("/api/v1/nor/this")
    endpoints = {row["endpoint"]: row["calls"] for row in api.get(USAGE).json()["endpoints"]}
    assert endpoints["GET (no such endpoint)"] == 1 and endpoints["POST (no such endpoint)"] == 1


def test_data_pages_have_their_own_limit_and_are_not_counted_as_api_calls(api, client, free_user):
    client.force_login(free_user)
    client.get("/?date=2025-11-05")
    body = api.as_user(free_user).get(USAGE).json()
    assert body["endpoints"] == [{"endpoint": "GET /api/v1/billing/usage", "calls": 1}]
    assert body["requests_today"] == 1
