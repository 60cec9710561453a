"""Service endpoints that belong to no single app: health."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from turf.apiviews import PublicAPIView

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
                    "status": serializers.CharField(),
                    "version": serializers.CharField(),
                    "database": serializers.CharField(),
                    "cache": serializers.CharField(),
                    "celery": serializers.CharField(),
                    "time": serializers.DateTimeField(),
                },
            )
        },
    )
    def get(self, request):
        database = _database_ok()
        body = {
            "status": "ok" if database else "error",
            "version": settings.TURF_VERSION,
            "database": "ok" if database else "unavailable",
            "cache": "ok" if _cache_ok() else "unavailable",
            "celery": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker",
            "time": timezone.now().isoformat(),
        }
        if not database:
            body.update({"message": "The database is unavailable.", "code": 503})
        return Response(body, status=200 if database else 503)
