"""Request bodies capped at MAX_REQUEST_BYTES, refused before anything reads them."""

from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from turf import api


def too_large_response(request) -> HttpResponse:
    """413: the envelope under /api/, a plain page elsewhere."""
    if request.path.startswith("/api/"):
        response = api.api_payload_too_large(request)
    else:
        # Refused before the sessions and the pages' language are read: the language cookie, else Accept-Language.
        with translation.override(translation.get_language_from_request(request)):
            response = HttpResponse(render_to_string("413.html"), status=413)
    # The client may still be sending: tell it the connection ends here.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware:
    """Answer 413 to a body over MAX_REQUEST_BYTES, from its Content-Length, before any of it is read.

    A body without a Content-Length (``Transfer-Encoding: chunked``) is read up to the limit and kept for the
    view when the server ends the stream at the body's end (``wsgi.input_terminated``, as gunicorn does);
    otherwise Django reads none of it. What is read past Content-Length is never read at all (Django's
    LimitedStream), so a Content-Length that lies small cannot pass a bigger body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BYTES
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.strip():
            try:
                declared = int(length)
            except ValueError:
                declared = 0  # Django reads nothing of a body whose length it cannot read
            if declared > limit:
                return too_large_response(request)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and request.META.get(
            "wsgi.input_terminated"
        ):
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return too_large_response(request)
            # What Django would have read with a Content-Length: the view sees the body as sent.
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = io.BytesIO(body)
        return self.get_response(request)
