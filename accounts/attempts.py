"""Counters of the account's abuse limits (sign-ups, codes tried, mails sent, failed log-ins) in Django's cache.

A counter lives for one fixed window from its first attempt (``cache.add`` then ``cache.incr``, so that
concurrent attempts never overwrite each other's count); past the window it starts again from zero. The key
holds a digest of what is counted (an e-mail, an address), never the value itself. The limits are the
``AUTH_RATE_*`` settings: ``(attempts, window in seconds)``.

They fail closed: when the cache does not answer, an attempt that would be counted or checked is refused with
RateLimitUnavailable (503, ``rate_limit_unavailable``) rather than let through uncounted (password guessing);
an answer that must not tell (a reset mail, a code resent) stays the same and nothing is sent.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache

from turf.cache import CACHE_ERRORS, cache_warn
from turf.errors import RateLimitUnavailable, TooManyAttempts


@contextmanager
def _fail_closed() -> Iterator[None]:
    try:
        yield
    except CACHE_ERRORS as exc:
        cache_warn("account attempts", exc)
        raise RateLimitUnavailable() from None


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
    """Count one attempt: (attempts in the current window, this one included; seconds until it ends)."""
    key = _key(scope, ident)
    with _fail_closed():
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
    """The attempts counted in the current window, without counting one: (count, seconds until it ends)."""
    key = _key(scope, ident)
    with _fail_closed():
        until = _window_end(key)
        count = cache.get(key) or 0
    return count, (_retry_after(until, window) if count else 0)


def attempt_reset(*, scope: str, ident: str) -> None:
    key = _key(scope, ident)
    try:
        cache.delete_many([key, f"{key}:until"])
    except CACHE_ERRORS as exc:  # a success not forgotten: the window ends by itself
        cache_warn("account attempts", exc)


def attempt_count(*, scope: str, ident: str, limit: tuple[int, int], message: str) -> int:
    """Count one attempt and refuse it (TooManyAttempts, 429 with Retry-After) past ``limit``; the count."""
    allowed, window = limit
    count, retry_after = attempt_hit(scope=scope, ident=ident, window=window)
    if count > allowed:
        raise TooManyAttempts(message, wait=retry_after)
    return count


def attempt_allowed(*, scope: str, ident: str, limit: tuple[int, int]) -> bool:
    """Count one attempt; False past ``limit`` (for the answers that must not tell: always 200)."""
    allowed, window = limit
    try:
        count, _ = attempt_hit(scope=scope, ident=ident, window=window)
    except RateLimitUnavailable:
        return False  # closed, and the answer tells nothing more
    return count <= allowed


def attempts_check(*, scope: str, ident: str, limit: tuple[int, int], message: str) -> None:
    """Refuse (TooManyAttempts) when ``limit`` attempts are already counted in the window; counts nothing."""
    allowed, window = limit
    count, retry_after = attempt_peek(scope=scope, ident=ident, window=window)
    if count >= allowed:
        raise TooManyAttempts(message, wait=retry_after)
