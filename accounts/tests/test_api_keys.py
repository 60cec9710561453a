"""API keys: made on premium and pro, shown once, stored hashed, working like a Bearer token until revoked."""

import datetime as dt
import hashlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services.api_keys import ACTIVE_KEYS_MAX
from billing.models import Plan
from billing.services import subscription_plan_set
from turf.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/auth/api-keys"
ME = "/api/v1/auth/me"


def create(api, user, name="nightly script"):
    return api.as_user(user).post(KEYS, {"name": name}, format="json")


def with_key(api, key):
    api.credentials(HTTP_X_API_KEY=key)
    return api


def test_a_premium_user_gets_a_key_once_and_it_authenticates_as_them(api, premium_user):
    response = create(api, premium_user)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"version", "id", "name", "prefix", "key", "created_at"}
    assert body["name"] == "nightly script"
    assert body["key"].startswith("turf_") and len(body["key"]) > 40
    assert body["prefix"] == body["key"][:12]

    me = with_key(api, body["key"]).get(ME)
    assert me.status_code == 200
    assert me.json()["user"]["email"] == premium_user.email
    assert ApiKey.objects.get(pk=body["id"]).last_used_at is not None


def test_the_list_shows_names_and_prefixes_never_the_key(api, premium_user):
    key = create(api, premium_user).json()
    listed = api.as_user(premium_user).get(KEYS)
    assert listed.status_code == 200
    (row,) = listed.json()["data"]
    assert set(row) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"}
    assert row["prefix"] == key["prefix"] and row["revoked_at"] is None
    assert key["key"] not in listed.content.decode()


def _every_stored_text():
    for model in apps.get_models():
        for row in model.objects.all().values():
            yield model._meta.label, " ".join(str(value) for value in row.values())


def test_only_the_hash_is_stored_the_key_appears_nowhere_in_the_database(api, pro_user):
    key = create(api, pro_user).json()["key"]
    with_key(api, key).get(ME)  # used once: last_used_at, the audit trail, the counters
    stored = ApiKey.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    holding = [label for label, text in _every_stored_text() if key in text or key[12:] in text]
    assert holding == []


def test_a_revoked_key_fails_at_once_with_the_keys_challenge(api, premium_user):
    key = create(api, premium_user).json()
    assert with_key(api, key["key"]).get(ME).status_code == 200

    revoked = api.as_user(premium_user).delete(f"{KEYS}/{key['id']}")
    assert revoked.status_code == 204

    refused = with_key(api, key["key"]).get(ME)
    assert refused.status_code == 401
    assert refused.json()["error"] == "authentication_failed"
    assert refused["WWW-Authenticate"] == 'ApiKey realm="api", header="X-API-Key"'
    assert api.as_user(premium_user).get(KEYS).json()["data"][0]["revoked_at"] is not None


def test_a_missing_credential_is_still_challenged_for_a_bearer_token(api):
    response = api.get(ME)
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["turf_not-a-key", "", "   "])
def test_an_unknown_or_empty_key_is_refused(api, header):
    response = with_key(api, header).get(ME)
    assert response.status_code == 401 and response.json()["error"] == "authentication_failed"


def test_revoking_twice_changes_nothing_the_second_time(api, premium_user):
    key = create(api, premium_user).json()
    api.as_user(premium_user).delete(f"{KEYS}/{key['id']}")
    first = ApiKey.objects.get().revoked_at
    assert api.as_user(premium_user).delete(f"{KEYS}/{key['id']}").status_code == 204
    assert ApiKey.objects.get().revoked_at == first
    assert AuditEntry.objects.filter(action=AuditAction.API_KEY_REVOKED).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_free_plan_has_no_api_keys(api, free_user, method):
    response = getattr(api.as_user(free_user), method)(KEYS, {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "plan_required" and "Premium" in response.json()["message"]
    assert not ApiKey.objects.exists()


def test_another_users_key_is_not_found_and_keeps_working(api, premium_user, pro_user):
    key = create(api, pro_user).json()
    response = api.as_user(premium_user).delete(f"{KEYS}/{key['id']}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert with_key(api, key["key"]).get(ME).status_code == 200
    assert api.as_user(premium_user).get(KEYS).json()["data"] == []


def test_a_key_id_that_is_not_a_number_is_a_bad_parameter(api, premium_user):
    response = api.as_user(premium_user).delete(f"{KEYS}/abc")
    assert response.status_code == 400 and response.json()["message"].startswith("key_id:")


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 61}, {"name": "ok", "scope": "all"}])
def test_a_bad_name_is_refused(api, premium_user, body):
    response = api.as_user(premium_user).post(KEYS, body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"


def test_an_account_holds_a_bounded_number_of_active_keys(api, premium_user):
    ids = [create(api, premium_user, f"k{i}").json()["id"] for i in range(ACTIVE_KEYS_MAX)]
    refused = create(api, premium_user, "one more")
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    api.as_user(premium_user).delete(f"{KEYS}/{ids[0]}")
    assert create(api, premium_user, "one more").status_code == 201


def test_creation_and_revocation_are_audited_without_the_key(api, premium_user):
    key = create(api, premium_user).json()
    api.as_user(premium_user).delete(f"{KEYS}/{key['id']}")
    created, revoked = AuditEntry.objects.filter(subject_id=premium_user.pk).order_by("id")
    assert created.action == AuditAction.API_KEY_CREATED and revoked.action == AuditAction.API_KEY_REVOKED
    for entry in (created, revoked):
        assert entry.actor_id == premium_user.pk and entry.target == f"api_key:{key['id']}"
        assert entry.address == "127.0.0.1"
        assert key["key"] not in str(entry.before) + str(entry.after)
    assert created.after == {"name": "nightly script", "prefix": key["prefix"]}


def test_a_key_cannot_manage_keys(api, premium_user):
    key = create(api, premium_user).json()
    for method, url in (("get", KEYS), ("post", KEYS), ("delete", f"{KEYS}/{key['id']}")):
        response = getattr(with_key(api, key["key"]), method)(url, {"name": "spawn"}, format="json")
        assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_key_obeys_the_plan_gate_as_a_token_does(api, premium_user):
    key = create(api, premium_user).json()["key"]
    assert with_key(api, key).get("/api/v1/valuebets").status_code == 200  # premium opens value bets
    refused = with_key(api, key).get("/api/v1/backtests")  # pro only
    assert refused.status_code == 403 and refused.json()["error"] == "plan_required"


def test_a_keys_calls_count_against_the_same_per_minute_limit_as_the_token(api, premium_user):
    Plan.objects.filter(code="premium").update(requests_per_minute=3)
    key = create(api, premium_user).json()["key"]  # 1: the creation, with the token
    assert api.as_user(premium_user).get(ME)["X-RateLimit-Remaining"] == "1"  # 2
    api.credentials()
    assert with_key(api, key).get(ME)["X-RateLimit-Remaining"] == "0"  # 3
    refused = with_key(api, key).get(ME)
    assert refused.status_code == 429 and refused.json()["error"] == "throttled"
    assert api.as_user(premium_user).get(ME).status_code == 429  # the token shares the spent minute


def test_a_key_stops_working_when_the_plan_no_longer_opens_keys(api, premium_user):
    key = create(api, premium_user).json()["key"]
    assert with_key(api, key).get(ME).status_code == 200
    subscription_plan_set(user=premium_user, plan=Plan.objects.get(code="free"))  # as a cancellation does
    response = with_key(api, key).get(ME)
    assert response.status_code == 401 and "Free" in response.json()["message"]
    subscription_plan_set(user=premium_user, plan=Plan.objects.get(code="pro"))
    assert with_key(api, key).get(ME).status_code == 200


def test_a_deactivated_accounts_key_is_refused(api, premium_user):
    key = create(api, premium_user).json()["key"]
    premium_user.is_active = False
    premium_user.save()
    assert with_key(api, key).get(ME).status_code == 401


def test_a_bearer_token_beside_a_key_is_the_credential_used(api, premium_user, pro_user):
    key = create(api, premium_user).json()["key"]
    api.as_user(pro_user)
    api.credentials(HTTP_AUTHORIZATION=api._credentials["HTTP_AUTHORIZATION"], HTTP_X_API_KEY=key)
    assert api.get(ME).json()["user"]["email"] == pro_user.email


def test_last_used_is_written_at_most_once_a_minute(api, premium_user):
    key = create(api, premium_user).json()["key"]
    with_key(api, key).get(ME)
    first = ApiKey.objects.get().last_used_at
    with_key(api, key).get(ME)
    assert ApiKey.objects.get().last_used_at == first
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiKey.objects.update(last_used_at=earlier)
    cache.delete(f"akey:used:{ApiKey.objects.get().pk}")  # two minutes later, the minute's mark has expired
    with_key(api, key).get(ME)
    assert ApiKey.objects.get().last_used_at > earlier + dt.timedelta(minutes=1)
