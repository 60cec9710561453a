"""The one place that talks to Stripe's SDK: a client configured from the settings, Stripe's failures mapped to ours.

A ``stripe.StripeClient`` is built per call from ``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE`` (the tests point it at
a local stub) and ``STRIPE_TIMEOUT``: no global state of the SDK is set, so a setting changed at run time (or by a
test) takes effect at the next call. Without the key, a call raises ``BillingUnavailable`` (503); any failure of
Stripe (unreachable, timed out, refusing) raises ``PaymentProviderError`` (502) from inside ``stripe_errors``,
which callers wrap around the calls *before* writing anything, so a 502 leaves our database as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from django.conf import settings

from turf.errors import BillingUnavailable, PaymentProviderError

logger = logging.getLogger("turf.billing")

# A connection error or a 5xx is tried once more (the SDK sends an idempotency key, so a retried POST is not
# done twice at Stripe); more retries would keep the subscriber waiting on a page.
MAX_NETWORK_RETRIES = 1


def stripe_configured() -> bool:
    """Whether payments are configured on this server (the secret key is set)."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client of Stripe's API as the settings configure it; BillingUnavailable without the secret key."""
    if not stripe_configured():
        raise BillingUnavailable()
    base = {"api": settings.STRIPE_API_BASE.rstrip("/")} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
        max_network_retries=MAX_NETWORK_RETRIES,
    )


def _reason(exc: stripe.StripeError) -> str:
    if isinstance(exc, stripe.APIConnectionError):
        return "could not be reached"
    status = f" ({exc.http_status})" if exc.http_status else ""
    # Stripe's user_message is written for the payer (a declined card); its other messages may name our setup.
    said = f": {exc.user_message}" if getattr(exc, "user_message", None) else ""
    return f"refused{status}{said}"


@contextmanager
def stripe_errors(action: str) -> Iterator[None]:
    """Map any failure of Stripe inside the block to PaymentProviderError (502), naming ``action``."""
    try:
        yield
    except stripe.StripeError as exc:
        # The SDK's message never carries the key; the request id lets staff find the call in Stripe's logs.
        logger.warning(
            "Stripe call failed (%s): %s %s request_id=%s",
            action,
            type(exc).__name__,
            exc.http_status,
            getattr(exc, "request_id", None),
        )
        raise PaymentProviderError(
            f"Stripe {_reason(exc)} while we tried to {action}; nothing was changed. Try again in a minute."
        ) from exc


def stripe_webhook_secret() -> str:
    """The webhook's signing secret; BillingUnavailable when it (or the API key) is not configured."""
    if not settings.STRIPE_WEBHOOK_SECRET or not stripe_configured():
        raise BillingUnavailable(
            "Payments are not configured on this server (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set)."
        )
    return settings.STRIPE_WEBHOOK_SECRET


class BadSignature(ValueError):
    """A webhook whose Stripe-Signature header is missing, malformed, stale or does not match its body."""


def stripe_event_read(payload: bytes, signature: str | None) -> dict:
    """The event Stripe posted, verified against its signature by the SDK, as a plain dict; BadSignature if not."""
    secret = stripe_webhook_secret()
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, api_key=settings.STRIPE_SECRET_KEY)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc).split(". ")[0]) from None
    except (ValueError, UnicodeDecodeError):  # signed, yet not a JSON event: nothing Stripe sends
        raise BadSignature("The body is not a Stripe event") from None
    data = event.to_dict()
    if not data.get("id") or not data.get("type") or not isinstance((data.get("data") or {}).get("object"), dict):
        raise BadSignature("The body is not a Stripe event")
    return data
