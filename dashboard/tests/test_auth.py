"""Logging in and out of the dashboard with a session, and signing up onto the free plan."""

import pytest
from django.test import Client

from billing.selectors import plan_for_user

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"  # conftest's personas
STRONG = "Correct-Horse-42!"


@pytest.mark.parametrize("path", ["/picks/", "/value-bets/", "/account/"])  # the programme and race cards are public
def test_it_sends_a_visitor_to_the_login_page_and_back(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200 and b'name="next"' in login_page.content


def test_a_wrong_password_shows_a_clear_message_and_logs_nobody_in(client, free_user):
    response = client.post("/login/", {"username": free_user.email, "password": "not-my-password"})
    assert response.status_code == 200
    assert "Invalid e-mail or password." in response.content.decode()
    assert client.get("/account/").status_code == 302


def test_it_logs_in_whatever_the_case_of_the_email_and_follows_next(client, free_user):
    response = client.post("/login/", {"username": "ALICE@turf.test", "password": PASSWORD, "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_it_refuses_to_follow_next_off_the_site(client, free_user):
    response = client.post(
        "/login/", {"username": free_user.email, "password": PASSWORD, "next": "https://evil.example/steal"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_login_form_needs_its_csrf_token(free_user):
    guarded = Client(enforce_csrf_checks=True)
    assert guarded.post("/login/", {"username": free_user.email, "password": PASSWORD}).status_code == 403
    assert guarded.get("/account/").status_code == 302  # not logged in


def test_logging_out_is_a_post_and_ends_the_session(client, free_user):
    client.force_login(free_user)
    assert client.get("/account/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/account/").status_code == 302


CONSENTS = {"accept_privacy": "on", "adult": "on"}


def test_signing_up_creates_a_free_account_and_logs_it_in(client, django_user_model):
    form = {"email": "New@Turf.test", "password": STRONG, "password_again": STRONG, **CONSENTS}
    response = client.post("/signup/", form)
    assert response.status_code == 302 and response["Location"] == "/verify/"  # the code is in the mailbox
    user = django_user_model.objects.get(email="new@turf.test")
    assert plan_for_user(user).code == "free" and user.check_password(STRONG)
    assert "Free" in client.get("/account/").content.decode()


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"email": "alice@turf.test", "password": STRONG, "password_again": STRONG}, "email", "already exists"),
        ({"email": "b@turf.test", "password": "123", "password_again": "123"}, "password", "too short"),
        ({"email": "b@turf.test", "password": STRONG, "password_again": STRONG + "x"}, "password_again", "differ"),
        ({"email": "not-an-email", "password": STRONG, "password_again": STRONG}, "email", "valid email"),
    ],
)
def test_signing_up_says_what_is_wrong(client, free_user, django_user_model, form, field, message):
    response = client.post("/signup/", {**CONSENTS, **form})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert django_user_model.objects.count() == 1


def test_login_attempts_are_limited_per_address(client, free_user, settings):
    settings.API_RATE_AUTH = {"minute": 3, "day": 100}
    answers = [client.post("/login/", {"username": free_user.email, "password": "guess"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.post("/login/", {"username": free_user.email, "password": "s3cret-Pass!"})
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode()
    assert "3 times a minute and 100 a day" in refused.content.decode() and int(refused["Retry-After"]) >= 1
    assert client.get("/account/").status_code == 302  # even the right password waits


def test_the_forms_count_with_the_apis_auth_endpoints_and_apart_from_other_visitors(client, api, free_user, settings):
    settings.API_RATE_AUTH = {"minute": 2, "day": 100}
    settings.API_RATE_ANON = {"minute": 1, "day": 100}
    assert api.get("/api/v1/health").status_code == 200  # an anonymous call: the other counter
    assert api.post("/api/v1/auth/login", {"email": free_user.email, "password": "x"}, format="json").status_code == 401
    assert client.post("/signup/", {"email": "b@turf.test"}).status_code == 200
    assert client.post("/login/", {"username": free_user.email, "password": "guess"}).status_code == 429
    assert api.post("/api/v1/auth/login", {"email": free_user.email, "password": "x"}, format="json").status_code == 429
