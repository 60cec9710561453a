"""Service endpoints that belong to no single app: health, and the answer to an unknown endpoint."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from turf.apiviews import PublicAPIView, TurfAPIView
from turf.errors import DatabaseUnavailable
from turf.probes import worker_state

logger = logging.getLogger("turf.health")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health: database unreachable", exc_info=True)
        return False


def _cache_ok() -> bool:
    try:
        cache.set("turf:health", "ok", 5)
        return cache.get("turf:health") == "ok"
    except Exception:  # any backend failure (connection refused, timeout) means "not ok"
        logger.warning("health: cache unreachable", exc_info=True)
        return False


def _app_checks() -> tuple[dict[str, str], list[str]]:
    """The apps' own checks (``TURF_HEALTH_CHECKS``, named by dotted path: turf imports no app): each returns
    (name, state, problem); a problem, a sentence, makes the service degraded, not down."""
    states, problems = {}, []
    for path in settings.TURF_HEALTH_CHECKS:
        try:
            name, state, problem = import_string(path)()
        except Exception:  # a failing check must not take the health endpoint down with it
            logger.warning("health: %s failed", path, exc_info=True)
            name, state, problem = path.rsplit(".", 1)[-1], "unknown", f"{path} failed"
        states[name] = state
        if problem:
            problems.append(problem)
    return states, problems


# Why the service is degraded when Redis or the workers are away (README, "When a service is down").
CACHE_PROBLEM = "the cache (Redis) does not answer: request limits and cached answers run degraded"
WORKER_PROBLEMS = {
    "none": "no Celery worker answers: queued work (rescoring, settlement, backtests) waits until one starts",
    "unavailable": "the Celery broker (Redis) does not answer: tasks are retried, then kept to be queued again",
}


class HealthView(PublicAPIView):
    """Public liveness: 503 when the database does not answer (nothing works without it); 200 otherwise, "degraded"
    with the reasons when Redis (the cache, the broker) or the Celery workers are away or an app's check says so
    (a stale racing feed): the API still answers then."""

    @extend_schema(
        summary="Service health",
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.ChoiceField(choices=["ok", "degraded"]),
                    "database": serializers.CharField(),
                    "cache": serializers.CharField(),
                    "celery": serializers.ChoiceField(choices=["eager", "broker"]),
                    "worker": serializers.ChoiceField(
                        choices=["eager", "off", "ok", "none", "unavailable"],
                        help_text="eager: tasks run in-process; off: not asked (HEALTH_WORKER_PING_MS=0); ok: a Celery "
                        "worker answered a ping; none: the broker "
                        "answers but no worker does; unavailable: the broker does not answer",
                    ),
                    "data_sources": serializers.ChoiceField(
                        choices=["ok", "stale", "off", "unknown"],
                        help_text="the configured racing feed: stale when it is late (details: health/data-sources)",
                    ),
                    "problems": serializers.ListField(
                        child=serializers.CharField(), help_text="why the status is degraded (empty when ok)"
                    ),
                    "time": serializers.DateTimeField(),
                },
            )
        },
    )
    def get(self, request):
        checks = {
            "database": "ok" if _database_ok() else "unavailable",
            "cache": "ok" if _cache_ok() else "unavailable",
            "celery": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker",
            "worker": worker_state(),
            "time": timezone.now().isoformat(),
        }
        if checks["database"] != "ok":
            raise DatabaseUnavailable("The database is unavailable.", extra=checks)
        states, problems = _app_checks()
        if checks["cache"] != "ok":
            problems.insert(0, CACHE_PROBLEM)
        if checks["worker"] in WORKER_PROBLEMS:
            problems.insert(1 if checks["cache"] != "ok" else 0, WORKER_PROBLEMS[checks["worker"]])
        return Response(
            {"status": "degraded" if problems else "ok", **checks, **states, "problems": problems},
        )


class UnknownEndpointView(TurfAPIView):
    """Any other ``/api/v1/...`` path, whatever the method: a 404 in the envelope, counted as any call is (the
    subscriber's, when a token comes with it)."""

    permission_classes: list = []
    schema = None  # not an operation

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound(f"No API endpoint at {request.path}.")

    options = http_method_not_allowed
