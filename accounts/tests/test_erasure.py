"""The erasure (GDPR Art. 17): the account and every row that is theirs go at once; invoices and aggregates stay."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import ApiKey
from accounts.signals import account_erasing
from billing.models import Invoice
from predictions.models import Prediction
from predictions.tests.factories import scored_card
from turf.audit import audit_verify
from turf.errors import PaymentProviderError
from turf.models import AuditAction, AuditEntry
from wagering.models import UserBet

from .holdings import KEPT_ON_ERASURE, holdings, rows_of

pytestmark = pytest.mark.django_db
ACCOUNT = "/api/v1/auth/account"
PASSWORD = "s3cret-Pass!"  # the personas' (conftest)


def erase(api, user, password=PASSWORD):
    return api.as_user(user).delete(ACCOUNT, {"password": password}, format="json")


def test_erasure_leaves_no_row_pointing_at_the_user(api, premium_user, other_user):
    holdings(premium_user)
    holdings(other_user)
    uid = premium_user.pk
    before = rows_of(uid)
    assert all(before.values()), f"the test made no row in {[k for k, v in before.items() if not v]}"
    theirs = rows_of(other_user.pk)

    response = erase(api, premium_user)

    assert response.status_code == 204
    assert not get_user_model().objects.filter(pk=uid).exists()
    left = {label: count for label, count in rows_of(uid).items() if count}
    assert left == {}, f"rows still pointing at the erased user: {left}"
    assert rows_of(other_user.pk) == theirs  # nobody else's rows moved
    # Kept as the law requires, without the account.
    assert set(KEPT_ON_ERASURE) <= set(before)
    invoice = Invoice.objects.get(stripe_invoice_id=f"in_{uid}")
    assert invoice.user_id is None and invoice.amount_paid == 1900


def test_erasure_is_audited_without_personal_data(api, premium_user):
    erase(api, premium_user)
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert entry.subject_id == entry.actor_id == premium_user.pk  # ids: pointing at no row now
    assert entry.address == "127.0.0.1"
    assert premium_user.email not in f"{entry.target} {entry.before} {entry.after}"
    assert audit_verify()[1] is None


def test_the_erased_users_tokens_and_keys_no_longer_authenticate(api, premium_user):
    made = holdings(premium_user)
    assert erase(api, premium_user).status_code == 204
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {made['tokens']['access_token']}")
    assert api.get("/api/v1/auth/me").status_code == 401
    api.credentials(HTTP_X_API_KEY=made["key"])
    assert api.get("/api/v1/auth/me").status_code == 401
    api.credentials()
    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": made["tokens"]["refresh_token"]}, format="json")
    assert refreshed.status_code == 401 and refreshed.json()["error"] == "authentication_failed"


@pytest.mark.parametrize("body", [{"password": "not-it"}, {}, {"password": ""}])
def test_a_wrong_or_missing_password_erases_nothing(api, premium_user, body):
    holdings(premium_user)
    api.as_user(premium_user)  # issues a token: counted in before
    before = rows_of(premium_user.pk)
    response = api.delete(ACCOUNT, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_parameter" and response.json()["message"].startswith("password:")
    assert rows_of(premium_user.pk) == before
    assert get_user_model().objects.filter(pk=premium_user.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ACCOUNT_DELETED).exists()


def test_wrong_passwords_are_limited_per_account(api, premium_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    assert erase(api, premium_user, "guess-1").status_code == 400
    assert erase(api, premium_user, "guess-2").status_code == 400
    refused = erase(api, premium_user)  # even the right one, until the window ends
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_attempts"
    assert refused["Retry-After"] == "900"
    assert get_user_model().objects.filter(pk=premium_user.pk).exists()


def test_a_receiver_that_refuses_rolls_everything_back_and_answers_its_error(api, premium_user):
    holdings(premium_user)
    api.as_user(premium_user)
    before = rows_of(premium_user.pk)
    heard = []

    def stripe_down(sender, user, **kwargs):
        heard.append(user.pk)
        raise PaymentProviderError()

    account_erasing.connect(stripe_down, dispatch_uid="test.stripe_down")
    try:
        response = api.delete(ACCOUNT, {"password": PASSWORD}, format="json")
    finally:
        account_erasing.disconnect(dispatch_uid="test.stripe_down")
    assert heard == [premium_user.pk]
    assert response.status_code == 502 and response.json()["error"] == "payment_provider_error"
    assert rows_of(premium_user.pk) == before
    assert not AuditEntry.objects.filter(action=AuditAction.ACCOUNT_DELETED).exists()
    assert ApiKey.objects.filter(user=premium_user, revoked_at__isnull=True).exists()


def test_aggregate_statistics_are_untouched(api, free_user, premium_user):
    card = scored_card()
    predictions = Prediction.objects.filter(runner__race=card).count()
    assert predictions
    holdings(premium_user)
    erase(api, premium_user)
    assert Prediction.objects.filter(runner__race=card).count() == predictions
    assert api.as_user(free_user).get(f"/api/v1/courses/race/{card.pk}/predictions").status_code == 200


def test_a_visitor_cannot_erase_anything(api):
    assert api.delete(ACCOUNT, {"password": PASSWORD}, format="json").status_code == 401
    assert not UserBet.objects.exists()
