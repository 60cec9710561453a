"""The profile (GDPR Art. 16): the name at once; a new e-mail address only once the code mailed to it is typed."""

import json

import pytest
from django.core import mail

from accounts.models import EmailCode
from turf.models import AuditAction, AuditEntry

from .mailbox import code_in, last_mail, mails_to

pytestmark = pytest.mark.django_db
ACCOUNT, CONFIRM = "/api/v1/auth/account", "/api/v1/auth/email/confirm"
NEW = "alice.new@turf.test"


def test_the_name_changes_at_once(api, free_user):
    response = api.as_user(free_user).patch(ACCOUNT, {"full_name": "  Alice Martin "}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["full_name"] == "Alice Martin" and response.json()["pending_email"] is None
    free_user.refresh_from_db()
    assert free_user.full_name == "Alice Martin" and not mail.outbox


def test_an_empty_body_changes_nothing(api, free_user):
    response = api.as_user(free_user).patch(ACCOUNT, {}, format="json")
    assert response.status_code == 200 and response.json()["user"]["email"] == free_user.email


def test_an_unknown_field_is_refused(api, free_user):
    response = api.as_user(free_user).patch(ACCOUNT, {"is_staff": True}, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("is_staff: unknown field")


def test_a_new_address_is_switched_only_once_its_code_is_confirmed(api, free_user):
    api.as_user(free_user)
    response = api.patch(ACCOUNT, {"email": "Alice.New@Turf.test"}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == free_user.email and response.json()["pending_email"] == NEW
    free_user.refresh_from_db()
    assert free_user.email == "alice@turf.test"  # not yet
    message = last_mail(NEW)
    assert not mails_to(free_user.email)

    confirmed = api.post(CONFIRM, {"code": code_in(message)}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["user"]["email"] == NEW and confirmed.json()["user"]["email_verified"] is True
    free_user.refresh_from_db()
    assert free_user.email == NEW and free_user.email_verified_at is not None
    assert (
        "adresse e-mail de votre compte Turf vient d'être changée" in last_mail("alice@turf.test").body
    )  # the old one told
    login = api.post("/api/v1/auth/login", {"email": NEW, "password": "s3cret-Pass!"}, format="json")
    assert login.status_code == 200


def test_the_audit_trail_records_the_change_without_the_addresses(api, free_user):
    api.as_user(free_user).patch(ACCOUNT, {"email": NEW}, format="json")
    api.post(CONFIRM, {"code": code_in(last_mail(NEW))}, format="json")
    entry = AuditEntry.objects.get(action=AuditAction.EMAIL_CHANGED)
    assert entry.subject_id == entry.actor_id == free_user.pk and entry.address == "127.0.0.1"
    stored = json.dumps([entry.target, entry.before, entry.after])
    assert "alice" not in stored and "@" not in stored


def test_an_address_with_an_account_is_a_409(api, free_user, other_user):
    response = api.as_user(free_user).patch(ACCOUNT, {"email": other_user.email.upper()}, format="json")
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert not mail.outbox


def test_an_address_taken_before_the_confirmation_is_a_409(api, free_user, django_user_model):
    api.as_user(free_user).patch(ACCOUNT, {"email": NEW}, format="json")
    django_user_model.objects.create_user(email=NEW, password="x-Y-z-12345")
    response = api.post(CONFIRM, {"code": code_in(last_mail(NEW))}, format="json")
    assert response.status_code == 409
    free_user.refresh_from_db()
    assert free_user.email == "alice@turf.test" and not AuditEntry.objects.exists()


def test_a_wrong_or_used_code_changes_nothing(api, free_user):
    api.as_user(free_user).patch(ACCOUNT, {"email": NEW}, format="json")
    code = code_in(last_mail(NEW))
    bad = f"{(int(code) + 1) % 10**6:06d}"
    assert api.post(CONFIRM, {"code": bad}, format="json").status_code == 400
    assert api.post(CONFIRM, {"code": code}, format="json").status_code == 200
    again = api.post(CONFIRM, {"code": code}, format="json")
    assert again.status_code == 400 and EmailCode.objects.get(user=free_user).used_at is not None


def test_the_verification_code_of_sign_up_does_not_confirm_a_new_address(api, free_user):
    from accounts.services.verification import email_verify_send

    email_verify_send(user=free_user)
    verify_code = code_in(last_mail(free_user.email))
    api.as_user(free_user).patch(ACCOUNT, {"email": NEW}, format="json")
    change_code = code_in(last_mail(NEW))
    if verify_code != change_code:
        assert api.post(CONFIRM, {"code": verify_code}, format="json").status_code == 400


def test_asking_for_new_addresses_is_limited(api, free_user, settings):
    settings.AUTH_RATE_RESEND = (2, 3600)
    api.as_user(free_user)
    answers = [api.patch(ACCOUNT, {"email": f"n{n}@turf.test"}, format="json").status_code for n in range(3)]
    assert answers == [200, 200, 429] and len(mail.outbox) == 2


def test_the_same_address_again_mails_nothing(api, free_user):
    assert api.as_user(free_user).patch(ACCOUNT, {"email": "ALICE@turf.test"}, format="json").status_code == 200
    assert not mail.outbox and not EmailCode.objects.exists()


def test_the_profile_needs_a_login(api):
    assert api.patch(ACCOUNT, {"full_name": "x"}, format="json").status_code == 401
    assert api.post(CONFIRM, {"code": "123456"}, format="json").status_code == 401
