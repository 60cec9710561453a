"""What every API response shares: the version stamp and the one error envelope.

Errors are always ``{"status": "error", "message": "...", "code": <http status>}``
(plus ``"version": "v1"``), produced here and nowhere else.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken

logger = logging.getLogger("turf.api")


def error_body(message: str, code: int) -> dict:
    return {"status": "error", "message": message, "code": code, "version": settings.TURF_VERSION}


def error_message(detail) -> str:
    """Flatten DRF's error detail into one readable sentence that names the field."""
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = error_message(value)
            parts.append(text if field in ("non_field_errors", "detail") else f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(error_message(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """DRF exception handler: every error, expected or not, leaves in the envelope."""
    from rest_framework.views import set_rollback  # here: rest_framework.views reads our renderer setting

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ParseError):
            message = f"Malformed request body: {exc.detail}"
        elif isinstance(exc, InvalidToken):
            message = "The access token is invalid or expired."
        else:
            message = error_message(exc.detail)
        set_rollback()
        return Response(error_body(message, exc.status_code), status=exc.status_code, headers=headers)

    # Anything else is our bug: log it with its trace, tell the client nothing about it.
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__ if context else "?")
    set_rollback()
    return Response(
        error_body("Internal server error.", status.HTTP_500_INTERNAL_SERVER_ERROR),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def api_not_found(request, *args, **kwargs):
    """Unknown ``/api/v1/...`` paths answer in the envelope, not with Django's HTML page."""
    return JsonResponse(error_body(f"No API endpoint at {request.path}.", 404), status=404)


def api_server_error(request, *args, **kwargs):
    return JsonResponse(error_body("Internal server error.", 500), status=500)
