"""Readers of Stripe's objects (as webhook payloads and the SDK's answers give them, plain dicts), written once for
the API versions whose shapes differ: since 2025 a subscription's period is on its items, an invoice names its
subscription under ``parent``."""

from __future__ import annotations

import datetime as dt


def epoch(value) -> dt.datetime | None:
    """A Stripe timestamp (seconds since 1970, UTC) as an aware datetime; None for none."""
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def object_id(value) -> str:
    """The id of a reference that may be expanded (an object) or not (its id)."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _items(subscription: dict) -> list[dict]:
    return list((subscription.get("items") or {}).get("data") or [])


def subscription_period_end(subscription: dict) -> dt.datetime | None:
    """The end of the period a subscription is paid up to (on its first item since Stripe's 2025 API versions)."""
    end = subscription.get("current_period_end")
    if end is None:
        items = _items(subscription)
        end = items[0].get("current_period_end") if items else None
    return epoch(end)


def subscription_price_id(subscription: dict) -> str:
    """The Stripe price the subscription's (first) item bills."""
    items = _items(subscription)
    if not items:
        return ""
    item = items[0]
    return object_id(item.get("price")) or object_id((item.get("plan") or {}).get("id"))


def invoice_subscription_id(invoice: dict) -> str:
    """The subscription an invoice bills: ``parent.subscription_details.subscription`` (or the older field)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return object_id(details.get("subscription")) or object_id(invoice.get("subscription"))


def invoice_price_id(invoice: dict) -> str:
    """The price of an invoice's first line, where it says (``pricing.price_details.price`` or ``price``)."""
    lines = (invoice.get("lines") or {}).get("data") or []
    for line in lines:
        price = ((line.get("pricing") or {}).get("price_details") or {}).get("price") or line.get("price")
        if object_id(price):
            return object_id(price)
    return ""


def invoice_period(invoice: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The period an invoice pays for: its first line's (a renewal invoice's own period is the one before)."""
    lines = (invoice.get("lines") or {}).get("data") or []
    period = (lines[0].get("period") if lines else None) or {}
    start = period.get("start", invoice.get("period_start"))
    end = period.get("end", invoice.get("period_end"))
    return epoch(start), epoch(end)
