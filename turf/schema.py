"""OpenAPI: what every operation answers, as the code answers it.

Views describe their 2xx bodies (a list with ``page_of``); the post-processing hook below adds what every
operation shares: the ``"version"`` the renderer stamps, the error envelope on each error status the
plumbing can answer, and the rate-limit headers every answer carries (``Retry-After`` on a 429).
"""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from .errors import ERROR_CODES
from .serializers import MAX_ID

ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message", "code", "error", "request_id", "version"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "message": {"type": "string", "description": "What went wrong, naming the parameter or field"},
        "code": {"type": "integer", "description": "The HTTP status, repeated"},
        "error": {
            "type": "string",
            "enum": sorted(ERROR_CODES),
            "description": "What went wrong, as a stable code to branch on: "
            + "; ".join(f"`{code}`: {text}" for code, text in sorted(ERROR_CODES.items())),
        },
        "request_id": {
            "type": "string",
            "pattern": "^[A-Za-z0-9-]{1,64}$",
            "description": "This request's id, as in the X-Request-ID header: quote it when reporting the error",
        },
        "version": {"type": "string", "enum": ["v1"]},
    },
}
VERSIONED_SCHEMA = {
    "type": "object",
    "required": ["version"],
    "properties": {"version": {"type": "string", "enum": ["v1"]}},
}

# The errors any operation may answer; 401 and 403 only where a token is needed (a view declares the others
# it answers, a 409, the log-in's 401), 503 only from health.
ERRORS = {
    "400": "A query parameter or a body field is invalid (the message names it), or the JSON is malformed.",
    "401": "Missing, malformed or expired Bearer token, or an unknown or revoked API key.",
    "403": "Your plan does not open this endpoint (the message names the cheapest plan that does).",
    "404": "No such resource or route.",
    "405": "Method not allowed.",
    "406": "The Accept header asks for a format the API does not answer in.",
    "415": "The body is not JSON.",
    "429": "Over the request limit (`throttled`: the envelope adds `plan`, `limit`, `period` and `resets_at`) or the "
    "plan's daily quota; see Retry-After.",
    "500": "Internal error (no details are leaked).",
}
RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed per minute (your plan's, or your address's without a token)",
    "X-RateLimit-Remaining": "Requests left in the current minute",
    "X-RateLimit-Reset": "Seconds until the minute window resets",
    "X-RateLimit-Limit-Day": "Requests allowed per day",
    "X-RateLimit-Remaining-Day": "Requests left today",
}
RETRY_AFTER = "Seconds to wait: until the minute resets, or until midnight (Europe/Paris) for a daily limit"


class PaginationSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="rows in the whole list")
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField(help_text="whether rows follow this page")


def page_of(name: str, rows: serializers.BaseSerializer, **extras: serializers.Field) -> serializers.Serializer:
    """The schema of a list answer: ``{"data": rows, "pagination": {...}, **extras}`` (``turf.pagination.page``)."""
    serializer = inline_serializer(name, {"data": rows, "pagination": PaginationSerializer(), **extras})
    serializer.is_page = True
    return serializer


def id_parameter(name: str) -> OpenApiParameter:
    """A row id in the path (read by ``turf.serializers.path_id``: anything else is a 400 naming it)."""
    return OpenApiParameter(name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The ``X-API-Key`` header (accounts' API keys), beside the Bearer token, in every secured operation."""

    target_class = "accounts.authentication.ApiKeyAuthentication"  # by path: turf imports no accounts
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A key made with POST /api/v1/auth/api-keys (premium and pro plans)",
        }


class SnapshotJWTScheme(SimpleJWTScheme):
    """simplejwt's Bearer scheme for its subclass that reads the user's cached snapshot (same tokens, same header)."""

    target_class = "accounts.authentication.SnapshotJWTAuthentication"  # by path: turf imports no accounts


class TurfAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema; a GET answering a page is named ``*_list``, as drf-spectacular names lists."""

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        responses = self.get_response_serializers()
        if self.method == "GET" and isinstance(responses, dict) and getattr(responses.get(200), "is_page", False):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id


def _header(text: str) -> dict:
    return {"schema": {"type": "integer", "minimum": 0}, "description": text, "required": True}


def _header_ref(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def _versioned(response: dict) -> None:
    """The renderer stamps ``"version"`` on every JSON object: say so beside the view's own schema."""
    content = response.get("content", {}).get("application/json")
    if not content or "schema" not in content:
        return
    schema = content["schema"]
    if schema.get("type") == "array" or "version" in schema.get("properties", {}):
        return
    content["schema"] = {"allOf": [schema, {"$ref": "#/components/schemas/Versioned"}]}


def add_error_envelope(result, generator, request, public):
    """drf-spectacular post-processing hook: the envelope, the version and the rate-limit headers everywhere."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(Error=ERROR_SCHEMA, Versioned=VERSIONED_SCHEMA)
    components["headers"] = {name: _header(text) for name, text in RATE_HEADERS.items()}
    components["headers"]["Retry-After"] = _header(RETRY_AFTER)
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for _method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            secured = bool(operation.get("security")) and {} not in operation.get("security", [])
            errors = dict(ERRORS)
            if not secured:
                errors.pop("401")
                errors.pop("403")
            if path.endswith("/health"):
                errors["503"] = "The database does not answer (its checks beside the envelope)."
            for code, description in errors.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("2"):
                    _versioned(response)
                else:  # an error a view declares itself (a 409, a 401 of the log-in) is in the envelope too
                    response["content"] = envelope
                headers = response.setdefault("headers", {})
                for name in RATE_HEADERS:
                    headers.setdefault(name, _header_ref(name))
                if code == "429":
                    headers["Retry-After"] = _header_ref("Retry-After")
    return result
