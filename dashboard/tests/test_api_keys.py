"""API keys on /account/: made (shown once), listed, revoked, behind the same plan gate as the API."""

import re

import pytest

from accounts.models import ApiKey
from accounts.services.api_keys import ACTIVE_KEYS_MAX, api_key_create

pytestmark = pytest.mark.django_db
CREATE = "/account/api-keys/"


def logged_in(client, user):
    client.force_login(user)
    return client


def shown_key(response) -> str:
    return re.search(r"<code data-api-key-value>(turf_[\w-]+)</code>", response.content.decode()).group(1)


def test_a_premium_user_makes_a_key_sees_it_once_and_it_works_on_the_api(client, api, premium_user):
    page = logged_in(client, premium_user).get("/account/")
    assert 'action="/account/api-keys/"' in page.content.decode()

    response = client.post(CREATE, {"name": "my script"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    key = shown_key(response)
    assert "Copy it now" in response.content.decode()

    api.credentials(HTTP_X_API_KEY=key)
    assert api.get("/api/v1/auth/me").json()["user"]["email"] == premium_user.email

    account = client.get("/account/").content.decode()
    assert "my script" in account and key[:12] in account and key not in account


def test_revoking_on_the_page_stops_the_key_at_once(client, api, pro_user):
    new = api_key_create(user=pro_user, name="old")
    response = logged_in(client, pro_user).post(f"/account/api-keys/{new.api_key.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/#api-keys"
    api.credentials(HTTP_X_API_KEY=new.key)
    assert api.get("/api/v1/auth/me").status_code == 401
    assert "revoked" in client.get("/account/").content.decode()


def test_the_free_plan_sees_the_upgrade_hint_and_is_refused(client, free_user):
    account = logged_in(client, free_user).get("/account/").content.decode()
    assert "API keys for your scripts open from the <strong>Premium</strong> plan up" in account
    assert 'action="/account/api-keys/"' not in account
    refused = client.post(CREATE, {"name": "x"})
    assert refused.status_code == 403 and "Upgrade to Premium" in refused.content.decode()
    assert not ApiKey.objects.exists()


def test_another_users_key_cannot_be_revoked_from_the_page(client, premium_user, pro_user):
    new = api_key_create(user=pro_user, name="theirs")
    assert logged_in(client, premium_user).post(f"/account/api-keys/{new.api_key.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_past_the_most_keys_the_page_says_so(client, premium_user):
    for i in range(ACTIVE_KEYS_MAX):
        api_key_create(user=premium_user, name=f"k{i}")
    response = logged_in(client, premium_user).post(CREATE, {"name": "one more"})
    assert response.status_code == 400 and "revoke one" in response.content.decode()
    assert ApiKey.objects.count() == ACTIVE_KEYS_MAX


def test_a_key_cannot_be_made_by_a_get(client, premium_user):
    assert logged_in(client, premium_user).get(CREATE).status_code == 405
