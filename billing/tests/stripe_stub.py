"""A local stand-in for Stripe's API, and webhook payloads signed as Stripe signs them: for any test that pays.

``StripeStub`` is a small threaded HTTP server on 127.0.0.1 that answers the calls Turf makes (customers,
checkout and billing-portal sessions, subscriptions) with JSON shaped like Stripe's, records each request (its
form-encoded parameters flattened as the SDK sends them, ``metadata[user_id]``), and can refuse (``fail``: a
500 or a 402 with Stripe's error body) or be down (``stop``: connections refused). The ``stripe_stub`` fixture
starts one and points the settings at it (``STRIPE_API_BASE``, test keys), so the real SDK talks to it.

``signed`` / ``signature`` sign a webhook body with the test secret the way Stripe does: the header
``t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``, written here independently of the SDK that checks it.

Use from another app's tests: ``from billing.tests.stripe_stub import stripe_stub  # noqa: F401`` (the fixture),
then ``stripe_stub.subscription(...)``, ``webhook_post(client, event(...))``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

SECRET_KEY = "sk_test_turf_stub"
WEBHOOK_SECRET = "whsec_test_turf_stub"
WEBHOOK_URL = "/api/v1/billing/webhook"
PRICES = {"premium": "price_test_premium", "pro": "price_test_pro"}
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}"


# -- Stripe's objects, as the API (and webhook payloads) give them ---------------------------------------------


def subscription_object(
    *,
    id: str | None = None,
    customer: str = "cus_test",
    price: str = PRICES["premium"],
    status: str = "active",
    period_end: int | None = None,
    cancel_at_period_end: bool = False,
    metadata: dict | None = None,
) -> dict:
    """A subscription as Stripe's current API shapes it (the period on its item)."""
    now = int(time.time())
    end = period_end if period_end is not None else now + 30 * 86_400
    sub_id = id or new_id("sub")
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": end if cancel_at_period_end else None,
        "canceled_at": None,
        "created": now,
        "livemode": False,
        "metadata": metadata or {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": new_id("si"),
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price", "currency": "eur", "recurring": {"interval": "month"}},
                    "quantity": 1,
                    "subscription": sub_id,
                    "current_period_start": end - 30 * 86_400,
                    "current_period_end": end,
                }
            ],
        },
    }


def invoice_object(
    *,
    id: str | None = None,
    customer: str = "cus_test",
    subscription: str = "",
    price: str = PRICES["premium"],
    status: str = "paid",
    amount: int = 1990,
    number: str | None = None,
) -> dict:
    """An invoice of a subscription, as Stripe's current API shapes it (the subscription under ``parent``)."""
    now = int(time.time())
    paid = status == "paid"
    return {
        "id": id or new_id("in"),
        "object": "invoice",
        "customer": customer,
        "number": number or f"TURF-{next(_ids):04d}",
        "status": status,
        "amount_due": amount,
        "amount_paid": amount if paid else 0,
        "currency": "eur",
        "period_start": now - 30 * 86_400,
        "period_end": now,
        "hosted_invoice_url": "https://invoice.stripe.test/i/acct_test/inv",
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": subscription}},
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "period": {"start": now, "end": now + 30 * 86_400},
                    "pricing": {"type": "price_details", "price_details": {"price": price, "product": "prod_test"}},
                }
            ],
        },
    }


def checkout_session_object(
    *, user_id: int, plan: str, customer: str, subscription: str, payment_status: str = "paid"
) -> dict:
    """A completed subscription checkout, as ``checkout.session.completed`` carries it."""
    return {
        "id": new_id("cs"),
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "payment_status": payment_status,
        "client_reference_id": str(user_id),
        "customer": customer,
        "subscription": subscription,
        "metadata": {"user_id": str(user_id), "plan": plan},
        "url": None,
    }


def event(type: str, obj: dict, *, id: str | None = None, created: int | None = None) -> dict:
    """A webhook event (Stripe's ``event`` object) carrying ``obj``."""
    return {
        "id": id or new_id("evt"),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created if created is not None else int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type,
        "data": {"object": obj},
    }


# -- signing ---------------------------------------------------------------------------------------------------


def signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signed(evt: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, str]:
    """(body, Stripe-Signature header) of an event."""
    payload = json.dumps(evt)
    return payload, signature(payload, secret, timestamp)


def webhook_post(client, evt: dict | str, *, header: str | None = "", secret: str = WEBHOOK_SECRET):
    """POST an event to the webhook as Stripe does (Django's test client); ``header=None`` sends no signature,
    a string other than "" sends that header instead of the right one."""
    payload = evt if isinstance(evt, str) else json.dumps(evt)
    headers = {}
    if header is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = header or signature(payload, secret)
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json; charset=utf-8", **headers)


# -- the API stub ----------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    headers: dict


@dataclass
class StripeStub:
    """Stripe's API on 127.0.0.1: answers, records, refuses on demand."""

    requests: list[Recorded] = field(default_factory=list)
    customers: dict = field(default_factory=dict)
    subscriptions: dict = field(default_factory=dict)
    failure: tuple[int, str, str] | None = None
    delay: float = 0.0

    def __post_init__(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                params = dict(parse_qsl(body or url.query, keep_blank_values=True))
                stub.requests.append(Recorded(self.command, url.path, params, dict(self.headers)))
                if stub.delay:
                    time.sleep(stub.delay)
                status, answer = stub.answer(self.command, url.path, params)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", new_id("req"))
                if status >= 500:
                    self.send_header("Stripe-Should-Retry", "false")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- control ----------------------------------------------------------------------------------------------

    def fail(self, status: int = 500, error_type: str = "api_error", message: str = "Something went wrong") -> None:
        """Every following call is refused with ``status`` and Stripe's error body (``ok()`` undoes it)."""
        self.failure = (status, error_type, message)

    def ok(self) -> None:
        self.failure = None

    def stop(self) -> None:
        """Stripe is down: the port is closed, connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and r.path.startswith(path_prefix)]

    def subscription(self, **kwargs) -> dict:
        """A subscription Stripe knows (``subscription_object``'s arguments)."""
        sub = subscription_object(**kwargs)
        self.subscriptions[sub["id"]] = sub
        return sub

    # -- the API ----------------------------------------------------------------------------------------------

    @staticmethod
    def _error(status: int, error_type: str, message: str, code: str | None = None) -> tuple[int, dict]:
        error = {"type": error_type, "message": message}
        if code:
            error["code"] = code
        if status == 402:
            error.setdefault("code", "card_declined")
        return status, {"error": error}

    def answer(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if self.failure is not None:
            return self._error(*self.failure)
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        parts = parts[1:]
        if method == "POST" and parts == ["customers"]:
            customer = {
                "id": new_id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and parts == ["checkout", "sessions"]:
            session_id = new_id("cs")
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "customer": params.get("customer"),
                "client_reference_id": params.get("client_reference_id"),
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
            }
        if method == "POST" and parts == ["billing_portal", "sessions"]:
            session_id = new_id("bps")
            return 200, {
                "id": session_id,
                "object": "billing_portal.session",
                "customer": params.get("customer"),
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/{session_id}",
            }
        if len(parts) == 2 and parts[0] == "subscriptions":
            sub = self.subscriptions.get(parts[1])
            if sub is None:
                message = f"No such subscription: '{parts[1]}'"
                return self._error(404, "invalid_request_error", message, "resource_missing")
            if method == "POST" and "cancel_at_period_end" in params:
                sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
                end = sub["items"]["data"][0]["current_period_end"]
                sub["cancel_at"] = end if sub["cancel_at_period_end"] else None
            elif method == "DELETE":
                sub.update(status="canceled", canceled_at=int(time.time()))
            return 200, sub
        return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")


@pytest.fixture
def stripe_stub(settings):
    """A running stub with the settings pointed at it and test keys set; stopped after the test."""
    stub = StripeStub()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_TIMEOUT = 5
    yield stub
    stub.stop()


@pytest.fixture
def plans_sold(db):
    """Premium and pro on sale, with their test prices."""
    from billing.models import Plan

    for code, price in PRICES.items():
        Plan.objects.filter(code=code).update(stripe_price_id=price)
    return PRICES
