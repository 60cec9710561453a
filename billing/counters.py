"""Counters in the shared cache (Redis when REDIS_URL is set), so limits hold across processes; a request's counters
are counted together, in one round trip (``turf.cache.hits``)."""

from __future__ import annotations

import time

from django.utils import timezone

from turf.cache import get_many, hits

MINUTE_TTL = 61
DAY_TTL = 86_400 + 60


def hit(key: str, ttl: int) -> int:
    """Count one more hit on ``key`` (created with ``ttl`` seconds to live); returns the new count.
    ``turf.cache.CacheUnavailable`` when the cache does not answer."""
    return hits([(key, ttl)])[0]


def peek(key: str) -> int:
    """The count on ``key``; 0 when the cache does not answer (logged: the usage pages show what they can)."""
    found = get_many([key], "counters")
    return int((found or {}).get(key) or 0)


def minute_window() -> tuple[str, int]:
    """The current fixed one-minute window: (its id, seconds until it resets)."""
    now = int(time.time())
    return str(now // 60), 60 - now % 60


def day_window() -> str:
    return timezone.localdate().isoformat()


def rate_keys(ident: str) -> tuple[str, str, int]:
    """The keys of ``ident``'s request counters for this minute and today, and seconds until the minute resets."""
    minute_id, reset = minute_window()
    return f"rl:{ident}:m:{minute_id}", f"rl:{ident}:d:{day_window()}", reset


def quota_key(user_id: int, feature: str) -> str:
    """Today's counter of ``feature`` uses by one user (the plan's daily quota)."""
    return f"quota:{user_id}:{feature}:{day_window()}"


def endpoint_key(user_id: int, endpoint: str) -> str:
    """Today's counter of one user's calls to one endpoint (``GET /api/v1/courses/today``), for ``billing/usage``."""
    return f"ep:{user_id}:{day_window()}:{endpoint.replace(' ', ':')}"
