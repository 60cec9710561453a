"""Is Redis there, does a Celery worker answer: the probes behind ``/api/v1/health``, the start-up warning of
``make run`` (turf/serve.py) and the ``turf.W001`` system check. Each is bounded in time and never raises."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from redis.exceptions import RedisError

from turf.celery import app

logger = logging.getLogger("turf.health")

_worker_lock = threading.Lock()
_worker_state: tuple[float, str] = (0.0, "")


def redis_reachable(url: str, *, timeout: float = 1.0) -> str | None:
    """None when Redis at ``url`` answers a PING within ``timeout`` seconds, else why not (a sentence)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (RedisError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def worker_state() -> str:
    """``off`` (``HEALTH_WORKER_PING_MS`` is 0: not asked), ``eager`` (tasks run in-process: no worker needed),
    ``ok`` (a worker answered the ping), ``none`` (the broker took the ping, no worker answered) or ``unavailable``
    (the broker does not answer). Kept ``HEALTH_WORKER_CACHE_SECONDS``:
    a health poller must not flood the workers with pings."""
    global _worker_state
    if app.conf.task_always_eager:
        return "eager"
    if settings.HEALTH_WORKER_PING_MS <= 0:
        return "off"
    with _worker_lock:
        checked_at, state = _worker_state
        if state and time.monotonic() - checked_at < settings.HEALTH_WORKER_CACHE_SECONDS:
            return state
        state = _worker_ping(app)
        _worker_state = (time.monotonic(), state)
        return state


def worker_state_forget() -> None:
    """Drop the remembered answer (tests; an operator's check right after starting a worker)."""
    global _worker_state
    with _worker_lock:
        _worker_state = (0.0, "")


def _worker_ping(app) -> str:
    timeout = settings.HEALTH_WORKER_PING_MS / 1000
    try:
        with app.connection_for_write() as connection:
            # One try, no back-off: kombu's default would retry for long seconds against a broker that is down.
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=connection)
    except Exception as exc:  # any broker failure (refused, timeout, protocol) means "unavailable"
        logger.warning("health: the Celery broker does not answer: %s", exc)
        return "unavailable"
    return "ok" if replies else "none"
