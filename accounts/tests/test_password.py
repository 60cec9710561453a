"""Passwords: forgotten (no account enumeration), reset with a single-use expiring link, changed with the current
one; a new password ends the API sessions, is audited, and the owner is told."""

import datetime as dt

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail

from turf.models import AuditAction, AuditEntry

from .mailbox import last_mail, mails_to, reset_link_in

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"  # conftest's personas
NEW = "Another-Horse-77!"
FORGOT, RESET, CHANGE = "/api/v1/auth/password/forgot", "/api/v1/auth/password/reset", "/api/v1/auth/password/change"


def login(api, email, password):
    api.credentials()
    return api.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")


def refresh(api, token):
    api.credentials()
    return api.post("/api/v1/auth/refresh", {"refresh_token": token}, format="json")


def reset(api, uid, token, password=NEW):
    api.credentials()
    return api.post(RESET, {"uid": uid, "token": token, "new_password": password}, format="json")


def test_forgot_then_reset_then_the_old_refresh_tokens_are_refused(api, free_user, settings):
    sessions = [login(api, free_user.email, PASSWORD).json()["refresh_token"] for _ in range(2)]
    response = api.post(FORGOT, {"email": "ALICE@turf.test"}, format="json")
    assert response.status_code == 200
    message = last_mail(free_user.email)
    path, uid, token = reset_link_in(message)
    assert message.body.count(settings.SITE_URL + path) == 1

    assert reset(api, uid, token).status_code == 200
    for old in sessions:
        refused = refresh(api, old)
        assert refused.status_code == 401 and refused.json()["error"] == "authentication_failed"
    assert login(api, free_user.email, PASSWORD).status_code == 401
    fresh = login(api, free_user.email, NEW)
    assert fresh.status_code == 200
    assert refresh(api, fresh.json()["refresh_token"]).status_code == 200  # only the old ones were revoked

    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert entry.subject_id == free_user.pk and entry.after["how"] == "reset" and entry.address == "127.0.0.1"
    assert entry.after["refresh_tokens_revoked"] == 2
    assert (
        last_mail(free_user.email).subject == "Le mot de passe de votre compte Turf a été changé"
    )  # the owner is told


def test_a_reset_link_works_once(api, free_user):
    api.post(FORGOT, {"email": free_user.email}, format="json")
    _, uid, token = reset_link_in(last_mail(free_user.email))
    assert reset(api, uid, token).status_code == 200
    again = reset(api, uid, token, password="Yet-Another-Horse-88!")
    assert again.status_code == 400 and again.json()["message"].startswith("token:")
    assert login(api, free_user.email, NEW).status_code == 200


def test_a_reset_link_expires(api, free_user, settings, monkeypatch):
    api.post(FORGOT, {"email": free_user.email}, format="json")
    _, uid, token = reset_link_in(last_mail(free_user.email))
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    assert reset(api, uid, token).status_code == 400
    assert login(api, free_user.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("uid, token", [("MQ", "bad-token"), ("!!", "x"), ("OTk5OTk5", "abc-def")])
def test_a_forged_link_is_refused(api, free_user, uid, token):
    response = reset(api, uid, token)
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"


def test_a_weak_new_password_is_refused_and_the_link_still_works(api, free_user):
    api.post(FORGOT, {"email": free_user.email}, format="json")
    _, uid, token = reset_link_in(last_mail(free_user.email))
    weak = reset(api, uid, token, password="123")
    assert weak.status_code == 400 and weak.json()["message"].startswith("new_password:")
    assert reset(api, uid, token).status_code == 200


def test_forgot_answers_the_same_for_an_unknown_address_and_mails_nothing(api, free_user):
    unknown = api.post(FORGOT, {"email": "ghost@turf.test"}, format="json")
    assert not mail.outbox
    known = api.post(FORGOT, {"email": free_user.email}, format="json")
    assert unknown.status_code == known.status_code == 200 and unknown.json() == known.json()
    assert len(mail.outbox) == 1


def test_reset_mails_are_limited_per_address_silently(api, free_user, settings):
    settings.AUTH_RATE_PASSWORD_RESET = (3, 3600)
    answers = [api.post(FORGOT, {"email": free_user.email}, format="json").status_code for _ in range(5)]
    assert answers == [200] * 5 and len(mails_to(free_user.email)) == 3


def test_change_needs_the_current_password(api, free_user):
    body = {"current_password": "not-it", "new_password": NEW}
    response = api.as_user(free_user).post(CHANGE, body, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("current_password:")
    assert login(api, free_user.email, PASSWORD).status_code == 200
    assert not AuditEntry.objects.exists()


def test_change_revokes_the_other_refresh_tokens_and_answers_new_ones(api, free_user):
    other_session = login(api, free_user.email, PASSWORD).json()
    mine = login(api, free_user.email, PASSWORD).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['access_token']}")
    response = api.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json")
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"
    assert refresh(api, other_session["refresh_token"]).status_code == 401
    assert refresh(api, mine["refresh_token"]).status_code == 401
    assert refresh(api, response.json()["refresh_token"]).status_code == 200  # the caller stays logged in
    assert login(api, free_user.email, NEW).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert entry.actor_id == entry.subject_id == free_user.pk and entry.after["how"] == "change"
    assert last_mail(free_user.email).subject == "Le mot de passe de votre compte Turf a été changé"


def test_change_refuses_a_weak_new_password(api, free_user):
    response = api.as_user(free_user).post(CHANGE, {"current_password": PASSWORD, "new_password": "aaa"}, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("new_password:")


def test_wrong_current_passwords_count_as_failed_log_ins(api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (3, 900)
    api.as_user(free_user)
    answers = [
        api.post(CHANGE, {"current_password": "guess", "new_password": NEW}, format="json").status_code
        for _ in range(4)
    ]
    assert answers == [400, 400, 400, 429]
    assert login(api, free_user.email, PASSWORD).status_code == 429  # the account is locked for the window


def test_a_reset_ends_the_lockout_of_the_account(api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    for _ in range(2):
        login(api, free_user.email, "guess")
    assert login(api, free_user.email, PASSWORD).status_code == 429
    api.post(FORGOT, {"email": free_user.email}, format="json")
    _, uid, token = reset_link_in(last_mail(free_user.email))
    assert reset(api, uid, token).status_code == 200
    assert login(api, free_user.email, NEW).status_code == 200
