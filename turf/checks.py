"""System checks of the services Turf needs: said at start-up (``manage.py check``, migrate, runserver), never a
crash — a Redis that is down degrades the service (README, "When a service is down"), it does not stop it."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from .probes import redis_reachable


@register(Tags.caches)
def redis_check(app_configs=None, **kwargs) -> list[Warning]:
    """turf.W001: ``REDIS_URL`` is set but Redis does not answer."""
    if not settings.REDIS_URL:
        return []
    problem = redis_reachable(settings.REDIS_URL)
    if problem is None:
        return []
    return [
        Warning(
            f"Redis at REDIS_URL does not answer ({problem}).",
            hint="Request limits and cached answers run degraded and Celery tasks cannot be queued until it does; "
            "start Redis or fix REDIS_URL.",
            id="turf.W001",
        )
    ]
