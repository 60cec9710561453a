"""Counters in the shared cache (Redis when REDIS_URL is set), so limits hold across processes."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils import timezone


def hit(key: str, ttl: int) -> int:
    """Count one more hit on ``key`` (created with ``ttl`` seconds to live); returns the new count."""
    if cache.add(key, 1, ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)
        return 1


def peek(key: str) -> int:
    return int(cache.get(key) or 0)


def minute_window() -> tuple[str, int]:
    """The current fixed one-minute window: (its id, seconds until it resets)."""
    now = int(time.time())
    return str(now // 60), 60 - now % 60


def day_window() -> str:
    return timezone.localdate().isoformat()
