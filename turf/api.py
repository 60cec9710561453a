"""The one error envelope, produced here and nowhere else.

Errors are always ``{"status": "error", "message": "...", "code": <http status>, "error": "<stable code>",
"request_id": "..."}`` (``turf.errors.ERROR_CODES``; the request's id, ``turf.logs``); the renderer adds
``"version": "v1"`` as it does to every JSON object.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken

from .errors import DatabaseUnavailable, PayloadTooLarge, error_code
from .logs import request_id_get
from .renderers import VersionedJSONRenderer

logger = logging.getLogger("turf.api")

# What a database that does not answer raises (psycopg's errors, wrapped by Django).
DATABASE_DOWN = (OperationalError, InterfaceError)


def error_body(exc: exceptions.APIException, message: str) -> dict:
    body = {"status": "error", "message": message, "code": exc.status_code, "error": error_code(exc)}
    request_id = request_id_get()
    if request_id is not None:  # always, in a request: what a user quotes when reporting the error
        body["request_id"] = request_id
    # What an exception tells beside the envelope (health's checks), never in place of it.
    body.update({key: value for key, value in getattr(exc, "extra", {}).items() if key not in body})
    return body


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
    elif isinstance(exc, RequestDataTooBig):  # a body read past DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = payload_too_large()
    elif isinstance(exc, DATABASE_DOWN):
        # The database went away (restart, network, failover): a 503 the client may retry, not our bug. The
        # broken connection is dropped at the end of the request (CONN_HEALTH_CHECKS), so the next one reconnects.
        logger.warning("database unavailable: %s", exc)
        exc = DatabaseUnavailable()

    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        if isinstance(exc, exceptions.ParseError):
            message = f"Malformed request body: {exc.detail}"
        elif isinstance(exc, InvalidToken):
            message = "The access token is invalid or expired."
        else:
            message = error_message(exc.detail)
        set_rollback()
        return Response(error_body(exc, message), status=exc.status_code, headers=headers)

    # Anything else is our bug: log it with its trace, tell the client nothing about it.
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__ if context else "?")
    set_rollback()
    return exception_handler(SERVER_ERROR, context)


SERVER_ERROR = exceptions.APIException("Internal server error.")


def _outside_drf(exc: exceptions.APIException) -> HttpResponse:
    """The envelope of an error raised outside any API view, rendered as the API renders it."""
    response = exception_handler(exc, {})
    content = VersionedJSONRenderer().render(response.data)
    return HttpResponse(content, status=response.status_code, content_type="application/json")


def api_not_found(request, *args, **kwargs):
    """Unknown ``/api/v1/...`` paths answer in the envelope, not with Django's HTML page."""
    return _outside_drf(exceptions.NotFound(f"No API endpoint at {request.path}."))


def api_server_error(request, *args, **kwargs):
    return _outside_drf(SERVER_ERROR)


def api_bad_request(request, *args, **kwargs):
    return _outside_drf(exceptions.ValidationError("Bad request."))


def payload_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is over {settings.MAX_REQUEST_BYTES} bytes.")


def api_payload_too_large(request, *args, **kwargs):
    return _outside_drf(payload_too_large())
