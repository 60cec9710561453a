"""The shared cache as every request uses it: counters in one round trip, generations, cached answers; and what
happens when it does not answer.

Redis (``REDIS_URL``) or, without it, the local-memory cache. Every helper here survives a cache that does not
answer (Redis down, a timeout): it raises ``CacheUnavailable`` where the caller must choose between serving and
refusing (the counters: ``billing.counters``, ``accounts.attempts``), and otherwise behaves as a cache miss that
stores nothing (the user snapshots, the cached answers), so that the request is computed from the database.
Each failure is logged as a warning, at most once every ``LOG_EVERY`` seconds per process.

Generations (``generation_bump``): a counter that, bumped, makes every entry stored under an older value stale.
An entry keeps the generation it was computed under *inside* its value, so that the entry and the current
generation are read together in one ``get_many`` (one round trip), and an entry computed while a writer bumped
the generation is never served after the bump.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("turf.cache")

try:  # the errors of a Redis that does not answer: redis-py's, and django-redis' wrapping of them
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - both are base requirements
    ConnectionInterrupted = RedisError = OSError  # type: ignore[misc,assignment]

CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, ConnectionInterrupted, OSError)
LOG_EVERY = 60.0
_last_logged: dict[str, float] = {}


# What the request being served read ahead (``read_ahead``): the values of the keys it will get and the counts of
# the counters it will hit, each handed out once to the helper below that asks for it.
# A cache that did not answer the read-ahead is not asked again during the request (``DOWN``): one timeout a request.
_ahead: ContextVar[tuple[dict[str, Any], dict[str, int]] | str | None] = ContextVar("turf_cache_ahead", default=None)
DOWN = "down"


class CacheUnavailable(Exception):
    """The shared cache did not answer."""


def cache_warn(what: str, exc: BaseException) -> None:
    """Log that the cache did not answer for ``what``: a warning at most once a minute per ``what`` and process."""
    now = time.monotonic()
    if now - _last_logged.get(what, -LOG_EVERY) >= LOG_EVERY:
        _last_logged[what] = now
        logger.warning("cache unavailable (%s): %s: %s", what, type(exc).__name__, exc)


def _redis_client():
    """The raw Redis client behind the default cache, or None for another backend (local memory)."""
    get_client = getattr(cache, "client", None)
    get_client = getattr(get_client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def hits(items: Iterable[tuple[str, int]]) -> list[int]:
    """Count one more hit on each ``(key, ttl)``: a key is created with ``ttl`` seconds to live on its first hit
    and keeps it. Returns the new counts. On Redis, one round trip (a pipeline of ``SET key 0 EX ttl NX`` and
    ``INCR``: INCR keeps the TTL); CacheUnavailable when the cache does not answer."""
    items = list(items)
    ahead = _ahead.get()
    if ahead == DOWN:
        exc = CacheUnavailable("the cache did not answer this request's read-ahead")
        cache_warn("counters", exc)
        raise exc
    if ahead is not None and items and all(key in ahead[1] for key, _ in items):
        return [ahead[1].pop(key) for key, _ in items]
    try:
        client = _redis_client()
        if client is None:
            return [_hit_portable(key, ttl) for key, ttl in items]
        pipe = client.pipeline(transaction=False)
        for key, ttl in items:
            raw = cache.make_and_validate_key(key)
            pipe.set(raw, 0, ex=ttl, nx=True)
            pipe.incr(raw)
        return [int(count) for count in pipe.execute()[1::2]]
    except CACHE_ERRORS as exc:
        cache_warn("counters", exc)
        raise CacheUnavailable(str(exc)) from exc


def _hit_portable(key: str, ttl: int) -> int:
    if cache.add(key, 1, ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)
        return 1


def get_many(keys: list[str], what: str) -> dict[str, Any] | None:
    """``cache.get_many`` in one round trip; None (logged) when the cache does not answer."""
    ahead = _ahead.get()
    if ahead == DOWN:
        cache_warn(what, CacheUnavailable("the cache did not answer this request's read-ahead"))
        return None
    if ahead is not None and keys and all(key in ahead[0] for key in keys):
        values = [ahead[0].pop(key) for key in keys]
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}
    try:
        return cache.get_many(keys)
    except CACHE_ERRORS as exc:
        cache_warn(what, exc)
        return None


def read_ahead(*, gets: list[str], hits: list[tuple[str, int]], what: str) -> None:
    """Read what the request being served will read, and count what it will count, in one round trip (Redis, one
    script): the next ``get_many`` of exactly some of ``gets`` and the next ``hits`` of some of ``hits`` are
    answered from it, once each, until ``read_ahead_clear``. The counters are counted here: only counters the
    request counts whatever happens belong in ``hits``. Nothing is read ahead on another backend. When the cache
    does not answer (logged), the helpers below answer for the rest of the request as they do for a cache that
    does not answer, without asking it again (one timeout a request, not one a helper)."""
    client = _redis_client()
    if client is None:
        return
    raw_gets = [cache.make_key(key) for key in gets]  # our own keys: short, no spaces (nothing to validate)
    raw_hits = [cache.make_key(key) for key, _ in hits]
    try:
        found = _read_ahead_script(client)(keys=[*raw_gets, *raw_hits], args=[len(gets), *(ttl for _, ttl in hits)])
    except CACHE_ERRORS as exc:
        cache_warn(what, exc)
        _ahead.set(DOWN)
        return
    decode = cache.client.decode
    values = {key: None if v is None else decode(v) for key, v in zip(gets, found[: len(gets)], strict=True)}
    counts = {key: int(c) for (key, _), c in zip(hits, found[len(gets) :], strict=True)}
    _ahead.set((values, counts))


# One command, not a pipeline of 2n+1: GET each of the first ARGV[1] keys, then count each of the others as ``hits``
# does (SET key 0 EX ttl NX, INCR). Redis runs a script atomically; it is sent by its SHA once loaded.
READ_AHEAD_LUA = """
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  out[i] = redis.call('GET', KEYS[i])
end
for i = n + 1, #KEYS do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i - n + 1], 'NX')
  out[i] = redis.call('INCR', KEYS[i])
end
return out
"""
_script: list = []


def _read_ahead_script(client):
    """The script, run by ``client`` (the cache's current one)."""
    if not _script:
        _script.append(client.register_script(READ_AHEAD_LUA))
    return lambda keys, args: _script[0](keys=keys, args=args, client=client)


def read_ahead_clear() -> None:
    """The request is answered: what it read ahead and did not use is forgotten."""
    _ahead.set(None)


def set_quietly(key: str, value: Any, timeout: int, what: str) -> None:
    """``cache.set``, logged and forgotten when the cache does not answer (the value is computed again)."""
    if _ahead.get() == DOWN:
        return
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as exc:
        cache_warn(what, exc)


def add_quietly(key: str, timeout: float, what: str) -> bool:
    """``cache.add``: whether ``key`` was absent (and is now set for ``timeout`` seconds); True when the cache does
    not answer (logged: what the caller guards is done, as without a cache)."""
    if _ahead.get() == DOWN:
        return True
    try:
        return cache.add(key, 1, timeout)
    except CACHE_ERRORS as exc:
        cache_warn(what, exc)
        return True


def generation_bump(key: str, what: str) -> None:
    """Make every entry stored under ``key``'s current generation stale. A cache that does not answer cannot
    serve stale entries either (the entries are in it): logged and forgotten."""
    try:
        _bump(key)
    except CACHE_ERRORS as exc:
        cache_warn(what, exc)


def _bump(key: str) -> None:
    client = _redis_client()
    if client is not None:
        client.incr(cache.make_and_validate_key(key))  # never expires: an evicted generation reads as 0
        return
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, None)


# Cached answers of the API's pure reads of shared data (``TurfAPIView.answer_cached``), each for at most
# ANSWER_CACHE_SECONDS, until the next change the clock makes (``TURF_ANSWER_EXPIRY``: a race's off) and until
# midnight; and never after a writer called ``answers_invalidate``.
ANSWERS_GENERATION = "answers:gen"


def answer_get(key: str) -> tuple[int | None, Any]:
    """(the answers' current generation, the answer cached under ``key`` if it is of that generation), in one round
    trip; (None, None) when the cache does not answer (the answer is computed, not stored)."""
    found = get_many([key, ANSWERS_GENERATION], "answers")
    if found is None:
        return None, None
    generation = found.get(ANSWERS_GENERATION) or 0
    entry = found.get(key)
    return generation, (entry[1] if entry is not None and entry[0] == generation else None)


def answer_set(key: str, generation: int, answer: Any) -> None:
    """Cache ``answer`` under ``key``, computed under ``generation`` (read before it was computed)."""
    now = timezone.now()
    timeout = float(settings.ANSWER_CACHE_SECONDS)
    tomorrow = (timezone.localtime(now) + timezone.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    timeout = min(timeout, (tomorrow - now).total_seconds())
    for path in settings.TURF_ANSWER_EXPIRY:
        change = import_string(path)(now)
        if change is not None:
            timeout = min(timeout, (change - now).total_seconds())
    if timeout >= 1:
        set_quietly(key, (generation, answer), int(timeout), "answers")


def answers_invalidate() -> None:
    """Every cached answer is stale from now on: called by the writers of what they show (the race importer's
    writer, the live feed's odds, the scoring, the freezing, a model's activation; and, for the rows written one
    by one, staff's admin edits included, the courses and predictions receivers)."""
    generation_bump(ANSWERS_GENERATION, "answers")
    _after_commit(_answers_bump)


def _answers_bump() -> None:
    generation_bump(ANSWERS_GENERATION, "answers")


def _after_commit(callback) -> None:
    """Run ``callback`` again once the surrounding transaction commits (once however often it is asked): an entry
    computed from the rows before the commit (a reader that read the generation bumped by the first call) is made
    stale by the second."""
    try:
        connection = transaction.get_connection()
        if connection.in_atomic_block and any(entry[1] is callback for entry in connection.run_on_commit):
            return
        transaction.on_commit(callback)
    except Exception as exc:  # no database connection to attach to: the first bump stands
        logger.debug("no transaction to bump after: %s", exc)
