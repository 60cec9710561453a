"""Service endpoints that belong to no single app: health, and the answer to an unknown endpoint."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from turf.apiviews import PublicAPIView, TurfAPIView
from turf.errors import ServiceUnavailable

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


class HealthView(PublicAPIView):
    """Public liveness and readiness: 200 when the database answers, 503 when it does not."""

    @extend_schema(
        summary="Service health",
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.CharField(help_text="ok"),
                    "database": serializers.CharField(),
                    "cache": serializers.CharField(),
                    "celery": serializers.ChoiceField(choices=["eager", "broker"]),
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
            "time": timezone.now().isoformat(),
        }
        if checks["database"] != "ok":
            raise ServiceUnavailable("The database is unavailable.", extra=checks)
        return Response({"status": "ok", **checks})


class UnknownEndpointView(TurfAPIView):
    """Any other ``/api/v1/...`` path, whatever the method: a 404 in the envelope, counted as any call is (the
    subscriber's, when a token comes with it)."""

    permission_classes: list = []
    schema = None  # not an operation

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound(f"No API endpoint at {request.path}.")

    options = http_method_not_allowed
