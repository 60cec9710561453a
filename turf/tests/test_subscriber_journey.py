"""A subscriber's whole life, through the API only, as a stranger would live it: sign up, verify the address from
the mailed code, pay (Stripe's stub and signed webhooks), use a key in a script, set a betting limit, cancel, lose
the paid plan, forget the password, take their data and leave. Every step goes through the real code of every app;
only Stripe's side is the local stub (``billing.tests.stripe_stub``)."""

import datetime as dt
import io
import json
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.tests.holdings import rows_of
from billing.models import Invoice, Plan
from billing.tests.stripe_stub import (
    PRICES,
    checkout_session_object,
    event,
    invoice_object,
    webhook_post,
)
from courses.models import RaceStatus
from predictions.tests.factories import race_with
from turf.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
EMAIL = "punter@turf.test"
PASSWORD = "Correct-Horse-42!"
NEW_PASSWORD = "Battery-Staple-43?"


def mailed(pattern: str) -> str:
    """The first match of ``pattern`` in the last mail sent."""
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def login(api, password: str = PASSWORD) -> dict:
    response = api.post("/api/v1/auth/login", {"email": EMAIL, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_sign_up_verify_pay_script_limit_cancel_forget_export_and_leave(api, client, stripe_stub, plans_sold):
    Plan.objects.update(requests_per_minute=200)  # the journey makes more calls in a second than free allows a minute
    # -- sign up: the consents are asked for and kept; the address is unverified, the plan free ----------------
    body = {"email": EMAIL, "password": PASSWORD, "accept_privacy": True, "adult": True}
    assert api.post("/api/v1/auth/register", {**body, "adult": False}, format="json").status_code == 400
    assert api.post("/api/v1/auth/register", body, format="json").status_code == 201
    code = mailed(r"\b(\d{6})\b")
    tokens = login(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    me = api.get("/api/v1/auth/me").json()
    assert (me["user"]["plan"], me["user"]["email_verified"]) == ("free", False)
    user_id = me["user"]["id"]

    # -- paying needs a verified address ------------------------------------------------------------------------
    refused = api.post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (403, "email_not_verified")
    assert api.post("/api/v1/auth/verify", {"code": code}, format="json").status_code == 200
    checkout = api.post("/api/v1/billing/checkout", {"plan": "pro"}, format="json")
    assert checkout.status_code == 200 and checkout.json()["url"].startswith("https://checkout.stripe.test/")
    (session_call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    customer = session_call.params["customer"]

    # -- Stripe says it is paid: the plan follows ---------------------------------------------------------------
    sub = stripe_stub.subscription(customer=customer, price=PRICES["pro"], metadata={"user_id": str(user_id)})
    paid = checkout_session_object(user_id=user_id, plan="pro", customer=customer, subscription=sub["id"])
    completed = event("checkout.session.completed", paid)
    assert webhook_post(client, completed).status_code == 200
    assert webhook_post(client, event("customer.subscription.created", sub)).status_code == 200
    assert webhook_post(client, completed).json()["outcome"] == "already processed"  # Stripe retried: once only
    invoice = invoice_object(customer=customer, subscription=sub["id"], price=PRICES["pro"])
    assert webhook_post(client, event("invoice.paid", invoice)).status_code == 200
    assert api.get("/api/v1/auth/me").json()["user"]["plan"] == "pro"
    assert api.get("/api/v1/backtests").status_code == 200

    # -- a script's key: works like the token, and not after revocation ---------------------------------------
    created = api.post("/api/v1/auth/api-keys", {"name": "my script"}, format="json")
    assert created.status_code == 201
    key = created.json()["key"]
    script = api.__class__()
    assert script.get("/api/v1/backtests", HTTP_X_API_KEY=key).status_code == 200

    # -- a betting limit refuses the bet that would pass it ------------------------------------------------------
    race = race_with(
        final=None,
        morning=[2.0, 4.0, 5.0, 8.0],
        date=timezone.localdate() + dt.timedelta(days=1),
        status=RaceStatus.SCHEDULED,
    )
    assert api.put("/api/v1/bets/limits", {"stake_day": "15.00"}, format="json").status_code == 200
    bet = {"race_id": race.pk, "saddle_number": 1, "bet_type": "simple_gagnant", "stake": "10", "odds": "4"}
    assert api.post("/api/v1/bets", bet, format="json").status_code == 201
    over = api.post("/api/v1/bets", bet, format="json")
    assert (over.status_code, over.json()["error"]) == (409, "limit_exceeded")
    assert "15" in over.json()["message"]
    assert len(api.get("/api/v1/bets").json()["data"]) == 1

    # -- cancel at the period's end, then Stripe ends it: back to free -------------------------------------------
    assert api.post("/api/v1/billing/cancel").json()["cancel_at_period_end"] is True
    assert api.get("/api/v1/auth/me").json()["user"]["plan"] == "pro"  # until the period ends
    ended = {**stripe_stub.subscriptions[sub["id"]], "status": "canceled"}
    assert webhook_post(client, event("customer.subscription.deleted", ended)).status_code == 200
    assert api.get("/api/v1/auth/me").json()["user"]["plan"] == "free"
    assert api.get("/api/v1/backtests").status_code == 403
    assert script.get("/api/v1/auth/me", HTTP_X_API_KEY=key).status_code == 401  # free opens no keys

    # -- the password forgotten: the mailed link resets it, and the old sessions end -----------------------------
    old_refresh = login(api)["refresh_token"]
    assert api.post("/api/v1/auth/password/forgot", {"email": EMAIL}, format="json").status_code == 200
    uid, token = re.search(r"/password/reset/([^/]+)/([^/\s]+)/", mail.outbox[-1].body).groups()
    reset = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert api.post("/api/v1/auth/password/reset", reset, format="json").status_code == 200
    assert api.post("/api/v1/auth/password/reset", reset, format="json").status_code == 400  # single use
    assert api.post("/api/v1/auth/refresh", {"refresh_token": old_refresh}, format="json").status_code == 401
    tokens = login(api, NEW_PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    # -- their data, then the erasure ---------------------------------------------------------------------------
    data = api.get("/api/v1/auth/account/data").json()["data"]
    assert {c["kind"] for c in data["consents"]} >= {"privacy", "age"}
    assert [b["stake"] for b in data["bets"]] == ["10.00"] and data["invoices"] and data["api_keys"]
    assert data["betting_limits"] and data["subscription"]["plan"] == "free"
    assert api.delete("/api/v1/auth/account", {"password": PASSWORD}, format="json").status_code == 400
    assert api.delete("/api/v1/auth/account", {"password": NEW_PASSWORD}, format="json").status_code == 204
    assert {label: n for label, n in rows_of(user_id).items() if n} == {}
    assert Invoice.objects.filter(user__isnull=True).count() == 1  # kept, without the account
    assert (
        api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 401
    )

    # -- and the audit trail holds every act, chained -----------------------------------------------------------
    acts = set(AuditEntry.objects.filter(subject_id=user_id).values_list("action", flat=True))
    assert {
        AuditAction.PLAN_CHANGED,
        AuditAction.API_KEY_CREATED,
        AuditAction.LIMIT_CHANGED,
        AuditAction.LIMIT_REFUSED,
        AuditAction.PASSWORD_CHANGED,
        AuditAction.ACCOUNT_DELETED,
    } <= acts
    trail = AuditEntry.objects.filter(subject_id=user_id).values_list("before", "after", "target")
    assert EMAIL not in json.dumps(list(trail))  # the trail outlives the account: ids, never the address
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert f"{AuditEntry.objects.count()} audit entries checked: the chain is intact." in out.getvalue()
    AuditEntry.objects.filter(subject_id=user_id, action=AuditAction.LIMIT_CHANGED).update(after={"stake_day": "999"})
    with pytest.raises(CommandError, match="audit trail broken at entry"):
        call_command("audit_verify", stdout=io.StringIO())
