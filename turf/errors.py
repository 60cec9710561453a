"""The API's stable error codes and its own exceptions; the envelope handler in turf.api renders them.

Every error body carries ``"error"``: one of ``ERROR_CODES``, the exception's ``default_code`` (DRF's own
where it fits), so that a client branches on it rather than on the message or the HTTP status alone.
"""

from __future__ import annotations

import logging

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled

logger = logging.getLogger("turf.api")

ERROR_CODES = {
    "invalid_parameter": "a query parameter or a body field is invalid; the message names it (400)",
    "parse_error": "the body is not well-formed JSON (400)",
    "not_authenticated": "no Bearer token (nor API key) was sent (401)",
    "authentication_failed": "the token, API key, credentials or refresh token are wrong, expired or revoked (401)",
    "permission_denied": "not allowed to anyone of this kind (403)",
    "plan_required": "your plan does not open this endpoint; the message names the cheapest plan that does (403)",
    "not_found": "no such resource, or no such endpoint (404)",
    "method_not_allowed": "the endpoint does not answer this method (405)",
    "not_acceptable": "the Accept header asks for a format the API does not answer in (406)",
    "email_not_verified": "this needs a verified e-mail address: verify it first (403)",
    "self_excluded": "you excluded yourself from picks, value bets and alerts until the date the message gives (403)",
    "conflict": "the resource exists already, or its state forbids this (409)",
    "limit_exceeded": "the bet would pass one of your betting limits; the message names it (409)",
    "payload_too_large": "the request body is over the server's limit (MAX_REQUEST_BYTES); nothing was read (413)",
    "unsupported_media_type": "the body is not JSON (415)",
    "throttled": "over the request limit per minute or per day; see Retry-After (429)",
    "quota_exceeded": "over the plan's daily quota of this feature; see Retry-After (429)",
    "too_many_attempts": "too many attempts at an account action (sign-up, code, log-in); see Retry-After (429)",
    "rate_limit_unavailable": "the limits against password guessing cannot be counted (the cache does not answer): "
    "log-in, sign-up and the account's codes are refused for a moment; see Retry-After (503)",
    "server_error": "our fault; nothing about it is told (500)",
    "payment_provider_error": "the payment provider (Stripe) did not answer or refused; nothing was changed (502)",
    "billing_unavailable": "payments are not configured on this server (503)",
    "service_unavailable": "a service Turf depends on does not answer (503)",
    "database_unavailable": "the database does not answer; nothing was changed, try again in a minute (503)",
    "queue_unavailable": "the task queue (Redis) did not take the job; it is kept and queued again later (503)",
}

# DRF's codes that say less than ours: any validation error is a bad parameter or field, a bad token is a
# failed authentication (simplejwt's ``token_not_valid``), APIException itself is a server error.
RENAMED = {"invalid": "invalid_parameter", "token_not_valid": "authentication_failed", "error": "server_error"}
BY_STATUS = {
    400: "invalid_parameter",
    401: "authentication_failed",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    503: "service_unavailable",
}


def error_code(exc: APIException) -> str:
    """The stable code of ``exc``: its class's ``default_code``, renamed where DRF's says less."""
    code = getattr(type(exc), "default_code", None)
    code = RENAMED.get(code, code)
    if code in ERROR_CODES:
        return code
    # An exception without a code of ours is a slip: answer by its status, and say so in the log.
    logger.warning("%s has no stable error code (default_code %r)", type(exc).__name__, code)
    return BY_STATUS.get(exc.status_code, "server_error")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This resource already exists."
    default_code = "conflict"


class ServiceUnavailable(APIException):
    """A dependency does not answer; ``extra`` (what was checked and how it went) goes beside the envelope."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is unavailable."
    default_code = "service_unavailable"

    def __init__(self, detail: str | None = None, *, extra: dict | None = None):
        super().__init__(detail)
        self.extra = extra or {}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class DatabaseUnavailable(ServiceUnavailable):
    default_detail = "The database does not answer; nothing was changed. Try again in a minute."
    default_code = "database_unavailable"
    wait = 30  # seconds, sent as Retry-After


class QueueUnavailable(ServiceUnavailable):
    default_detail = "The task queue does not answer; your request is kept and will be queued again shortly."
    default_code = "queue_unavailable"
    wait = 30


class EmailNotVerified(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Verify your e-mail address first (POST /api/v1/auth/verify with the code we mailed)."
    default_code = "email_not_verified"


class SelfExcluded(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You excluded yourself from picks, value bets and alerts for now."
    default_code = "self_excluded"


class LimitExceeded(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This bet would pass one of your betting limits."
    default_code = "limit_exceeded"


class TooManyAttempts(Throttled):
    default_code = "too_many_attempts"

    def __init__(self, detail: str, wait: int | None = None):
        super().__init__(wait=wait, detail=detail)
        self.detail = detail  # our sentence, without DRF's "expected available in" suffix


class RateLimitUnavailable(TooManyAttempts):
    """A limit that fails closed could not be counted (the shared cache does not answer): the log-in, sign-up and
    token refresh limits per address and the account's abuse limits (README, "When Redis does not answer")."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "rate_limit_unavailable"
    RETRY_AFTER = 30

    def __init__(self, detail: str | None = None):
        super().__init__(
            detail or "Log-in, sign-up and account codes are unavailable for a moment: please retry shortly.",
            wait=self.RETRY_AFTER,
        )


class PaymentProviderError(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The payment provider did not answer; nothing was changed. Try again in a minute."
    default_code = "payment_provider_error"


class BillingUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Payments are not configured on this server (STRIPE_SECRET_KEY is not set)."
    default_code = "billing_unavailable"
