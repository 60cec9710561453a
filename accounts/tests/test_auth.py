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


# -- the consents of a sign-up (GDPR Art. 7, the 18+ of responsible gambling) ----------------------------------


def test_registration_records_the_consents_with_their_version_address_and_time(api, django_user_model, settings):
    from accounts.models import ConsentKind

    body = {"email": "new@turf.test", "password": STRONG, **CONSENTS, "marketing_opt_in": True, "full_name": " Ann "}
    response = api.post("/api/v1/auth/register", body, format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 201
    assert response.json()["user"]["full_name"] == "Ann" and response.json()["user"]["email_verified"] is False
    user = django_user_model.objects.get(email="new@turf.test")
    assert user.adult_confirmed_at is not None and user.marketing_opt_in is True
    consents = {consent.kind: consent for consent in user.consents.all()}
    assert set(consents) == {ConsentKind.PRIVACY, ConsentKind.AGE, ConsentKind.MARKETING}
    assert consents[ConsentKind.PRIVACY].version == settings.PRIVACY_POLICY_VERSION
    assert {consent.address for consent in consents.values()} == {"203.0.113.9"}
    assert all(consent.withdrawn_at is None for consent in consents.values())


def test_without_the_marketing_opt_in_no_marketing_consent_is_recorded(api, django_user_model):
    assert register(api).status_code == 201
    user = django_user_model.objects.get(email="new@turf.test")
    assert user.marketing_opt_in is False
    assert sorted(user.consents.values_list("kind", flat=True)) == ["age", "privacy"]


@pytest.mark.parametrize(
    "consents, field",
    [
        ({"adult": True}, "accept_privacy"),
        ({"accept_privacy": False, "adult": True}, "accept_privacy"),
        ({"accept_privacy": True}, "adult"),
        ({"accept_privacy": True, "adult": False}, "adult"),
    ],
)
def test_registration_needs_the_privacy_policy_accepted_and_18_plus(api, django_user_model, consents, field):
    from django.core import mail

    body = {"email": "new@turf.test", "password": STRONG, **consents}
    response = api.post("/api/v1/auth/register", body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"
    assert response.json()["message"].startswith(f"{field}:")
    assert not django_user_model.objects.exists() and not mail.outbox


def test_registration_mails_the_verification_code(api):
    from accounts.models import EmailCode

    from .mailbox import code_in, last_mail

    register(api)
    message = last_mail("new@turf.test")
    code = code_in(message)
    assert message.subject == "Votre code de vérification Turf"  # French, the default language of an account
    stored = EmailCode.objects.get(email="new@turf.test")
    assert code not in stored.code_hash and len(stored.code_hash) == 64  # an HMAC, never the code itself


def test_sign_ups_are_limited_per_client_address(api, settings):
    settings.AUTH_RATE_REGISTER = (3, 3600)
    answers = [register(api, email=f"n{n}@turf.test").status_code for n in range(4)]
    assert answers == [201, 201, 201, 429]
    refused = register(api, email="n9@turf.test")
    assert refused.json()["error"] == "too_many_attempts" and int(refused["Retry-After"]) > 3000
    other = api.post(
        "/api/v1/auth/register",
        {"email": "elsewhere@turf.test", "password": STRONG, **CONSENTS},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 201  # another address has its own count


def test_me_says_whether_the_address_is_verified(api, free_user):
    from django.utils import timezone

    assert api.as_user(free_user).get("/api/v1/auth/me").json()["user"]["email_verified"] is False
    free_user.email_verified_at = timezone.now()
    free_user.save()
    assert api.get("/api/v1/auth/me").json()["user"]["email_verified"] is True
