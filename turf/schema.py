"""OpenAPI: describe the one error envelope and attach it to every operation."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message", "code"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "message": {"type": "string", "description": "What went wrong, naming the parameter or field"},
        "code": {"type": "integer", "description": "The HTTP status, repeated"},
        "version": {"type": "string", "example": "v1"},
    },
}

ERRORS = {
    "400": "A parameter or the body is invalid (the message names it), or the JSON is malformed.",
    "401": "Missing, malformed or expired Bearer token.",
    "403": "Your plan does not open this endpoint (the message names the plan that does).",
    "404": "No such resource or route.",
    "405": "Method not allowed.",
    "429": "Over the plan's request limit or daily quota; see Retry-After.",
    "500": "Internal error (no details are leaked).",
}

RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed per minute on your plan",
    "X-RateLimit-Remaining": "Requests left in the current minute",
    "X-RateLimit-Reset": "Seconds until the minute window resets",
}


def add_error_envelope(result, generator, request, public):
    """drf-spectacular post-processing hook."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for _path, operations in result.get("paths", {}).items():
        for _method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            secured = bool(operation.get("security")) and {} not in operation.get("security", [])
            for code, description in ERRORS.items():
                if code in ("401", "403") and not secured:
                    continue
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
            for code, response in responses.items():
                if code.startswith("2"):
                    headers = response.setdefault("headers", {})
                    for name, text in RATE_HEADERS.items():
                        headers.setdefault(name, {"schema": {"type": "integer"}, "description": text})
    return result
