"""Each error leaves with a stable ``error`` code beside the HTTP status: one test per code a client branches on."""

import json

import pytest
import yaml
from django.test import override_settings
from django.urls import path
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import InvalidToken

from billing.exceptions import PlanRequired, QuotaExceeded
from billing.models import Plan
from turf import urls as project_urls
from turf.apiviews import TurfAPIView
from turf.errors import (
    ERROR_CODES,
    BillingUnavailable,
    Conflict,
    DatabaseUnavailable,
    EmailNotVerified,
    LimitExceeded,
    PayloadTooLarge,
    PaymentProviderError,
    QueueUnavailable,
    RateLimitUnavailable,
    SelfExcluded,
    ServiceUnavailable,
    TooManyAttempts,
    error_code,
)

from .test_envelope import assert_envelope
from .test_redis_down import DEAD_REDIS

pytestmark = pytest.mark.django_db
# Stripe's API on loopback, and premium and pro on sale (billing's fixtures).
REGISTER = "/api/v1/auth/register"
STRONG = "Correct-Horse-42!"


class _NoFeature(TurfAPIView):
    """A gated view that forgot its feature: the gate fails closed."""

    def get(self, request):  # pragma: no cover - never reached
        raise AssertionError


urlpatterns = [path("api/v1/forgot", _NoFeature.as_view()), *project_urls.urlpatterns]


def test_a_bad_query_parameter_is_invalid_parameter(api, free_user):
    response = api.as_user(free_user).get("/api/v1/courses/today", {"limit": "x"})
    body = assert_envelope(response, 400, "invalid_parameter")
    assert body["message"].startswith("limit:")


def test_a_bad_body_field_is_invalid_parameter(api):
    body = assert_envelope(
        api.post(REGISTER, {"email": "nope", "password": STRONG, "accept_privacy": True, "adult": True}, format="json"),
        400,
    )
    assert body["error"] == "invalid_parameter" and body["message"].startswith("email:")


def test_malformed_json_is_a_parse_error(api):
    response = api.post(REGISTER, data='{"email": ', content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_a_body_over_the_limit_is_payload_too_large(api, settings):
    settings.MAX_REQUEST_BYTES = 2048
    response = api.post(REGISTER, {"email": "a@turf.test", "password": "x" * 4096}, format="json")
    assert_envelope(response, 413, "payload_too_large")


def test_a_body_that_is_not_json_is_an_unsupported_media_type(api):
    response = api.post(REGISTER, data="email=a", content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 415, "unsupported_media_type")


def test_no_token_is_not_authenticated(api):
    assert_envelope(api.get("/api/v1/auth/me"), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["Bearer not.a.token", "Bearer"])
def test_a_bad_token_is_authentication_failed(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_envelope(api.get("/api/v1/auth/me"), 401, "authentication_failed")


def test_wrong_credentials_are_authentication_failed(api, free_user):
    response = api.post("/api/v1/auth/login", {"email": free_user.email, "password": "nope"}, format="json")
    assert_envelope(response, 401, "authentication_failed")


def test_a_view_that_names_no_feature_is_permission_denied_for_everyone(api, pro_user, settings):
    settings.ROOT_URLCONF = __name__
    assert_envelope(api.as_user(pro_user).get("/api/v1/forgot"), 403, "permission_denied")


def test_a_plan_that_does_not_open_the_endpoint_is_plan_required(api, free_user):
    body = assert_envelope(api.as_user(free_user).get("/api/v1/valuebets"), 403, "plan_required")
    assert "Premium" in body["message"]


def test_an_unknown_resource_is_not_found(api, pro_user):
    assert_envelope(api.as_user(pro_user).get("/api/v1/backtests/123"), 404, "not_found")


def test_an_unknown_endpoint_is_not_found(api):
    assert_envelope(api.get("/api/v1/nothing/here"), 404, "not_found")


def test_a_wrong_method_is_method_not_allowed(api, free_user):
    assert_envelope(api.as_user(free_user).put("/api/v1/courses/today"), 405, "method_not_allowed")


def test_asking_for_html_is_not_acceptable(api):
    assert_envelope(api.get("/api/v1/health", HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_an_email_already_registered_is_a_conflict(api):
    consents = {"accept_privacy": True, "adult": True}
    api.post(REGISTER, {"email": "a@turf.test", "password": STRONG, **consents}, format="json")
    response = api.post(REGISTER, {"email": "A@turf.test", "password": STRONG, **consents}, format="json")
    assert_envelope(response, 409, "conflict")


def test_a_bet_past_a_betting_limit_is_limit_exceeded(api, free_user):
    import datetime as dt

    from django.utils import timezone

    from courses.models import RaceStatus
    from predictions.tests.factories import race_with

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    race = race_with(final=None, morning=[2.0, 4.0], date=tomorrow, status=RaceStatus.SCHEDULED)
    api.as_user(free_user).put("/api/v1/bets/limits", {"stake_day": "5"}, format="json")
    bet = {"race_id": race.pk, "saddle_number": 1, "bet_type": "simple_gagnant", "stake": "6", "odds": "3"}
    body = assert_envelope(api.post("/api/v1/bets", bet, format="json"), 409, "limit_exceeded")
    assert "stakes per day" in body["message"]


def test_a_self_excluded_user_asking_for_value_bets_is_self_excluded(api, premium_user):
    api.as_user(premium_user).post("/api/v1/auth/self-exclusion", {"days": 7}, format="json")
    body = assert_envelope(api.get("/api/v1/valuebets"), 403, "self_excluded")
    assert "until" in body["message"]


def test_past_the_request_limit_is_throttled(api, free_user):
    Plan.objects.filter(code="free").update(requests_per_minute=1)
    api.as_user(free_user).get("/api/v1/auth/me")
    response = api.get("/api/v1/auth/me")
    assert_envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_past_the_daily_quota_is_quota_exceeded(api, free_user):
    api.as_user(free_user).get("/api/v1/predictions/top3")
    response = api.get("/api/v1/predictions/top3")
    assert_envelope(response, 429, "quota_exceeded")
    from billing.selectors import seconds_until_midnight

    assert abs(int(response["Retry-After"]) - seconds_until_midnight()) <= 2  # the quota resets at midnight (Paris)


def test_too_many_attempts_at_an_account_action_is_too_many_attempts(api, settings):
    settings.AUTH_RATE_REGISTER = (2, 3600)
    consents = {"password": STRONG, "accept_privacy": True, "adult": True}
    for n in range(2):
        assert api.post(REGISTER, {"email": f"u{n}@turf.test", **consents}, format="json").status_code == 201
    response = api.post(REGISTER, {"email": "u2@turf.test", **consents}, format="json")
    assert_envelope(response, 429, "too_many_attempts")
    assert 3500 <= int(response["Retry-After"]) <= 3600


def test_too_many_wrong_passwords_to_delete_the_account_is_too_many_attempts(api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (1, 900)
    api.as_user(free_user).delete("/api/v1/auth/account", {"password": "wrong"}, format="json")
    response = api.delete("/api/v1/auth/account", {"password": "wrong"}, format="json")
    assert_envelope(response, 429, "too_many_attempts")
    assert response["Retry-After"] == "900"


def test_a_log_in_when_its_limits_cannot_be_counted_is_rate_limit_unavailable(api, free_user):
    with override_settings(CACHES=DEAD_REDIS):
        response = api.post("/api/v1/auth/login", {"email": free_user.email, "password": "s3cret-Pass!"}, format="json")
    assert_envelope(response, 503, "rate_limit_unavailable")
    assert response["Retry-After"] == "30"


def test_our_bug_is_a_server_error_even_outside_any_view(client):
    from turf.urls import handler500

    response = handler500(client.get("/api/v1/health").wsgi_request)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "version": "v1",
        "status": "error",
        "message": "Internal server error.",
        "code": 500,
        "error": "server_error",
    }


def test_a_database_that_does_not_answer_is_database_unavailable(client, monkeypatch):
    from turf import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    body = assert_envelope(client.get("/api/v1/health"), 503, "database_unavailable")
    assert body["database"] == "unavailable" and body["message"] == "The database is unavailable."


def test_payments_on_a_server_without_stripe_keys_are_billing_unavailable(api, free_user):
    response = api.as_user(free_user).post("/api/v1/billing/checkout", {"plan": "premium"}, format="json")
    assert_envelope(response, 503, "billing_unavailable")


def test_stripe_unreachable_is_a_payment_provider_error(api, free_user, stripe_stub, plans_sold):
    free_user.email_verified_at = free_user.date_joined
    free_user.save()
    stripe_stub.stop()
    response = api.as_user(free_user).post("/api/v1/billing/checkout", {"plan": "premium"}, format="json")
    assert_envelope(response, 502, "payment_provider_error")


def test_a_checkout_before_the_address_is_verified_is_email_not_verified(api, free_user, stripe_stub, plans_sold):
    response = api.as_user(free_user).post("/api/v1/billing/checkout", {"plan": "premium"}, format="json")
    assert_envelope(response, 403, "email_not_verified")


CODES = [
    (exceptions.ValidationError("x"), "invalid_parameter"),
    (exceptions.ParseError(), "parse_error"),
    (exceptions.NotAuthenticated(), "not_authenticated"),
    (exceptions.AuthenticationFailed(), "authentication_failed"),
    (InvalidToken(), "authentication_failed"),
    (exceptions.PermissionDenied(), "permission_denied"),
    (PlanRequired(), "plan_required"),
    (exceptions.NotFound(), "not_found"),
    (exceptions.MethodNotAllowed("PUT"), "method_not_allowed"),
    (exceptions.NotAcceptable(), "not_acceptable"),
    (Conflict(), "conflict"),
    (LimitExceeded(), "limit_exceeded"),
    (SelfExcluded(), "self_excluded"),
    (PayloadTooLarge(), "payload_too_large"),
    (exceptions.UnsupportedMediaType("text/plain"), "unsupported_media_type"),
    (exceptions.Throttled(wait=3), "throttled"),
    (QuotaExceeded("over", wait=3), "quota_exceeded"),
    (TooManyAttempts("too many", wait=3), "too_many_attempts"),
    (RateLimitUnavailable(), "rate_limit_unavailable"),
    (exceptions.APIException(), "server_error"),
    (ServiceUnavailable(), "service_unavailable"),
    (DatabaseUnavailable(), "database_unavailable"),
    (QueueUnavailable(), "queue_unavailable"),
    (EmailNotVerified(), "email_not_verified"),
    (PaymentProviderError(), "payment_provider_error"),
    (BillingUnavailable(), "billing_unavailable"),
]


@pytest.mark.parametrize("exc, code", CODES)
def test_every_exception_has_its_stable_code(exc, code):
    assert error_code(exc) == code


def test_the_codes_are_all_produced_and_the_schema_lists_them(client):
    schema = yaml.safe_load(client.get("/api/v1/schema").content)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]["error"]["enum"]) == set(ERROR_CODES)
    assert "error" in error["required"]
    assert {code for _, code in CODES} == set(ERROR_CODES)  # each code has its exception and its test above
