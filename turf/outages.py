"""A database that does not answer gets a 503, never a 500: in the envelope under ``/api/``, as a plain page
elsewhere.

The API's views go through the envelope handler (``turf.api.exception_handler``); this middleware catches what a
page's view raises, and ``turf.urls.handler500`` what a middleware raises (the session's, say), where Django hands
over the error. Nothing here touches the database, the cache or the session: they may be the ones down.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .api import DATABASE_DOWN, _outside_drf
from .errors import DatabaseUnavailable

logger = logging.getLogger("turf.outages")

# A client (or a proxy) may try again after this many seconds.
RETRY_AFTER = "30"


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 of a request that found the database down: the envelope for the API, a plain page otherwise."""
    if request.path.startswith("/api/"):
        response = _outside_drf(DatabaseUnavailable())
    else:
        response = HttpResponse(render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = RETRY_AFTER
    return response


def database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


class DatabaseUnavailableMiddleware:
    """A page whose view found the database down answers 503 (the API's views answer it in the envelope)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_down(exception):
            return None
        logger.warning("database unavailable on %s: %s", request.path, exception)
        return database_unavailable_response(request)


def current_error_is_database_down() -> bool:
    """In Django's handler500: is the error being handled a database that went away?"""
    return database_down(sys.exc_info()[1])
