"""Register, log in, refresh with rotation, log out with revocation, and see one's own usage."""

import pytest

pytestmark = pytest.mark.django_db

STRONG = "Correct-Horse-42!"


CONSENTS = {"accept_privacy": True, "adult": True}


def register(api, email="new@turf.test", password=STRONG):
    return api.post("/api/v1/auth/register", {"email": email, "password": password, **CONSENTS}, format="json")


def login(api, email="new@turf.test", password=STRONG):
    return api.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")


def test_registration_creates_a_free_account_with_a_hashed_password(api, django_user_model):
    response = register(api)
    assert response.status_code == 201
    assert set(response.json()) == {"version", "user"}  # the user once, as auth/me gives it
    assert response.json()["user"]["plan"] == "free"
    assert response.json()["user"]["email"] == "new@turf.test"
    user = django_user_model.objects.get(email="new@turf.test")
    assert user.password != STRONG and user.check_password(STRONG)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "not-an-email", "password": STRONG}, "email"),
        ({"email": "a@turf.test", "password": "123"}, "password"),
        ({"email": "a@turf.test", "password": "password"}, "password"),
        ({"password": STRONG}, "email"),
        ({"email": "a@turf.test"}, "password"),
    ],
)
def test_registration_names_the_bad_field(api, payload, field):
    response = api.post("/api/v1/auth/register", {**CONSENTS, **payload}, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert response.json()["message"].startswith(f"{field}:")


def test_the_schema_says_registration_answers_the_user_once():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    created = schema["paths"]["/api/v1/auth/register"]["post"]["responses"]["201"]["content"]["application/json"]
    # Every answer is its own shape and the version stamp: {"allOf": [{"$ref": <shape>}, {"$ref": Versioned}]}.
    shape, stamp = (part["$ref"].rsplit("/", 1)[1] for part in created["schema"]["allOf"])
    assert stamp == "Versioned"
    assert set(schema["components"]["schemas"][shape]["properties"]) == {"user"}


def test_malformed_json_is_a_400(api):
    response = api.post("/api/v1/auth/register", data='{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert "Malformed" in response.json()["message"]


def test_an_email_already_registered_is_a_409(api):
    register(api)
    response = register(api, email="NEW@turf.test")
    assert response.status_code == 409
    assert response.json()["code"] == 409


def test_login_returns_bearer_tokens(api):
    register(api)
    response = login(api)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["access_token"] and body["refresh_token"]


def test_wrong_credentials_get_the_same_401_whatever_was_wrong(api):
    register(api)
    wrong_password = login(api, password="nope-nope-nope")
    unknown_email = login(api, email="ghost@turf.test")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["message"] == unknown_email.json()["message"]


def test_refresh_rotates_and_the_old_refresh_token_is_revoked(api):
    register(api)
    first = login(api).json()
    rotated = api.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first["refresh_token"]
    again = api.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}, format="json")
    assert again.status_code == 401
    assert again.json()["status"] == "error"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_a_malformed_refresh_token_is_refused(api, token):
    response = api.post("/api/v1/auth/refresh", {"refresh_token": token}, format="json")
    assert response.status_code == 401


def test_a_missing_refresh_token_names_the_field(api):
    response = api.post("/api/v1/auth/refresh", {}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("refresh_token:")


def test_logout_revokes_the_refresh_token(api):
    register(api)
    tokens = login(api).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    out = api.post("/api/v1/auth/logout", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert out.status_code == 200
    api.credentials()
    refused = api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refused.status_code == 401


def test_me_shows_the_profile_plan_and_todays_usage(api, premium_user):
    api.as_user(premium_user)
    api.get("/api/v1/auth/me")
    body = api.get("/api/v1/auth/me").json()
    assert body["user"]["email"] == premium_user.email
    assert body["plan"]["code"] == "premium"
    assert body["usage"]["requests_today"] == 2
    assert body["usage"]["requests_per_day"] == 10_000


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.token", "Token abc", "Basic dXNlcjpwYXNz"])
def test_protected_endpoints_refuse_a_missing_or_bad_token(api, header):
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["status"] == "error"
    assert "X-RateLimit-Limit" in response


def test_an_expired_access_token_is_refused(api, free_user, settings):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(free_user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["message"] == "The access token is invalid or expired."
