"""The export (GDPR Art. 15): everything held about the user, from every app, secrets left out."""

import json

import pytest
from django.conf import settings

from accounts.services.gdpr import account_data_export
from turf.models import AuditAction

from .holdings import EXPORTED, NOT_EXPORTED, holdings, rows_of, user_keys

pytestmark = pytest.mark.django_db
DATA = "/api/v1/auth/account/data"


def test_every_table_that_holds_a_user_is_exported_or_excluded_with_a_reason():
    labels = {model._meta.label for model, _ in user_keys()}
    unaccounted = labels - set(EXPORTED) - set(NOT_EXPORTED)
    assert not unaccounted, (
        f"{sorted(unaccounted)} hold users: export them in their app's gdpr.py (settings.TURF_ACCOUNT_DATA) and "
        "list them in accounts/tests/holdings.py, or list them there as not exported, with the reason"
    )
    assert not set(EXPORTED) & set(NOT_EXPORTED)
    assert labels >= set(EXPORTED) | set(NOT_EXPORTED), "a table listed in holdings.py no longer holds users"


def test_the_export_carries_every_row_of_every_table_that_holds_the_user(api, premium_user, other_user):
    holdings(premium_user)
    holdings(other_user)
    response = api.as_user(premium_user).get(DATA)
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == premium_user.pk and body["exported_at"]
    data = body["data"]
    counts = rows_of(premium_user.pk)
    for label, section in EXPORTED.items():
        rows = data[section] if isinstance(data[section], list) else [data[section]]
        assert counts[label] >= 1, f"the test made no {label} row"
        assert len(rows) == counts[label], f"{section} has {len(rows)} rows, {label} {counts[label]}"
    assert data["profile"]["email"] == premium_user.email
    assert data["subscription"]["plan"] == "premium"
    assert data["backtests"][0]["bets"][0]["race_code"] == "R1C1"
    assert data["bets"][0]["stake"] == "2.50" and data["bets"][0]["horse"].startswith("Horse ")
    assert data["api_keys"][0]["name"] == "export script"
    assert [entry["action"] for entry in data["audit_trail"]] == [AuditAction.API_KEY_CREATED]
    assert other_user.email not in response.content.decode()


def test_the_export_holds_no_secret(api, premium_user):
    made = holdings(premium_user)
    text = api.as_user(premium_user).get(DATA).content.decode()
    for secret in (
        made["key"],
        made["key_hash"],
        made["code_hash"],
        made["webhook_secret"],
        premium_user.password,
        made["tokens"]["access_token"],
        made["tokens"]["refresh_token"],
    ):
        assert str(secret) not in text
    assert "password" not in text and "hash" not in text


def test_every_configured_section_is_in_the_export(premium_user):
    from django.utils.module_loading import import_string

    data = account_data_export(user=premium_user)["data"]
    for path in settings.TURF_ACCOUNT_DATA:
        assert set(import_string(path)(premium_user)) <= set(data)
    json.dumps(data)  # plain JSON all through


def test_two_apps_exporting_the_same_section_is_a_configuration_error(premium_user, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TURF_ACCOUNT_DATA = ["accounts.gdpr.account_data", "accounts.gdpr.account_data"]
    with pytest.raises(ImproperlyConfigured, match="profile"):
        account_data_export(user=premium_user)


def test_a_free_user_exports_too_and_a_visitor_cannot(api, free_user):
    assert api.as_user(free_user).get(DATA).status_code == 200
    api.credentials()
    assert api.get(DATA).status_code == 401
