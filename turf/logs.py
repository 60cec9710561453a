"""The request id and the logs that carry it, so that a user's report can be found.

Every request gets an id (a sane incoming ``X-Request-ID``, else a fresh uuid4), answered in the
``X-Request-ID`` header and in every error envelope (``request_id``, ``turf.api.error_body``), tagged on a
Sentry event, and added to every log line written while the request runs; a Celery task's lines carry its
task id and name. ``LOG_FORMAT`` picks one JSON object a line (python-json-logger) or plain text.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

import sentry_sdk
from celery import current_task
from django.core.signals import request_finished

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
HEADER = "X-Request-ID"
# What we accept from a client or a proxy: short, and nothing that could forge a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def request_id_get() -> str | None:
    """The id of the request being answered (None outside one)."""
    return REQUEST_ID.get()


class RequestIdMiddleware:
    """Give the request its id, for the logs, the envelope and Sentry while it runs, and answer it in
    ``X-Request-ID``. The id is kept until the answer has been sent (``request_finished``), so that Django's own
    line about a 4xx or 5xx answer, written after the middleware, carries it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        REQUEST_ID.set(request_id)
        sentry_sdk.set_tag("request_id", request_id)  # nothing when Sentry is off
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_done(**kwargs) -> None:
    REQUEST_ID.set(None)


request_finished.connect(_request_done, dispatch_uid="turf.logs.request_done")


class ContextFilter(logging.Filter):
    """Add the request id (in a request) and the Celery task's id and name (in a task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        task = current_task
        if task and task.request.id:
            record.task_id = task.request.id
            record.task_name = task.name
        return True


class PlainFormatter(logging.Formatter):
    """One line of text a record, ending with what ContextFilter added: ``[request_id=…]``, ``[task=name id]``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = []
        if getattr(record, "request_id", None):
            context.append(f"request_id={record.request_id}")
        if getattr(record, "task_id", None):
            context.append(f"task={record.task_name} {record.task_id}")
        if not context:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{' '.join(context)}]{newline}{rest}"
