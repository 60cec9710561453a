"""Counters of the account's abuse limits (sign-ups, codes tried, mails sent, failed log-ins) in Django's cache.

A counter lives for one fixed window from its first attempt (``cache.add`` then ``cache.incr``, so that
concurrent attempts never overwrite each other's count); past the window it starts again from zero. The key
holds a digest of what is counted (an e-mail, an address), never the value itself. The limits are the
``AUTH_RATE_*`` settings: ``(attempts, window in seconds)``.

When the cache (Redis) does not answer, the limits fail open — a log-in, a sign-up or a code is not refused for
want of a counter, and a warning is logged — except the mails (``attempt_allowed``: codes re-sent, password
resets), which fail closed: no mail goes out that could not be counted (README, "When a service is down").
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache

from turf.errors import TooManyAttempts
from turf.probes import CACHE_DOWN

logger = logging.getLogger("turf.attempts")


def _key(scope: str, ident: str) -> str:
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    return f"attempts:{scope}:{digest}"


def _window_end(key: str) -> float | None:
    """When the current window ends; a window already over is forgotten (a cache may expire keys late)."""
    until = cache.get(f"{key}:until")
    if until is not None and until <= time.time():
        cache.delete_many([key, f"{key}:until"])
        return None
    return until


def _retry_after(until: float | None, window: int) -> int:
    return window if until is None else max(1, int(until - time.time() + 0.999))


def attempt_hit(*, scope: str, ident: str, window: int) -> tuple[int, int]:
    """Count one attempt: (attempts in the current window, this one included; seconds until it ends); (0, window)
    when the cache does not answer."""
    return _hit(scope=scope, ident=ident, window=window) or (0, window)


def _hit(*, scope: str, ident: str, window: int) -> tuple[int, int] | None:
    try:
        return _hit_counted(scope=scope, ident=ident, window=window)
    except CACHE_DOWN as exc:
        logger.warning("attempts: the cache does not answer, %s not counted: %s", scope, exc)
        return None


def _hit_counted(*, scope: str, ident: str, window: int) -> tuple[int, int]:
    key = _key(scope, ident)
    _window_end(key)
    if cache.add(key, 0, timeout=window):
        cache.set(f"{key}:until", time.time() + window, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this attempt opens the next one
        cache.set(key, 1, timeout=window)
        cache.set(f"{key}:until", time.time() + window, timeout=window)
        count = 1
    return count, _retry_after(cache.get(f"{key}:until"), window)


def attempt_peek(*, scope: str, ident: str, window: int) -> tuple[int, int]:
    """The attempts counted in the current window, without counting one: (count, seconds until it ends); (0, 0)
    when the cache does not answer."""
    key = _key(scope, ident)
    try:
        until = _window_end(key)
        count = cache.get(key) or 0
    except CACHE_DOWN as exc:
        logger.warning("attempts: the cache does not answer, %s not checked: %s", scope, exc)
        return 0, 0
    return count, (_retry_after(until, window) if count else 0)


def attempt_reset(*, scope: str, ident: str) -> None:
    key = _key(scope, ident)
    try:
        cache.delete_many([key, f"{key}:until"])
    except CACHE_DOWN as exc:
        logger.warning("attempts: the cache does not answer, %s not reset: %s", scope, exc)


def attempt_count(*, scope: str, ident: str, limit: tuple[int, int], message: str) -> int:
    """Count one attempt and refuse it (TooManyAttempts, 429 with Retry-After) past ``limit``; the count."""
    allowed, window = limit
    count, retry_after = attempt_hit(scope=scope, ident=ident, window=window)
    if count > allowed:
        raise TooManyAttempts(message, wait=retry_after)
    return count


def attempt_allowed(*, scope: str, ident: str, limit: tuple[int, int]) -> bool:
    """Count one attempt; False past ``limit`` (for the answers that must not tell: always 200), and False when the
    cache does not answer (what this guards, a mail, waits until it can be counted)."""
    allowed, window = limit
    counted = _hit(scope=scope, ident=ident, window=window)
    return counted is not None and counted[0] <= allowed


def attempts_check(*, scope: str, ident: str, limit: tuple[int, int], message: str) -> None:
    """Refuse (TooManyAttempts) when ``limit`` attempts are already counted in the window; counts nothing."""
    allowed, window = limit
    count, retry_after = attempt_peek(scope=scope, ident=ident, window=window)
    if count >= allowed:
        raise TooManyAttempts(message, wait=retry_after)
