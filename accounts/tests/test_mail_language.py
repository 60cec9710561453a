"""A user's mails speak the user's language: the one they signed up in (the page's, or the API's ``language``),
then the one they last chose on the pages or in their profile; French, the site's, by default."""

import pytest
from django.core import mail

from accounts.mail import mail_send
from accounts.services.password import password_reset_request

from .mailbox import last_mail

pytestmark = pytest.mark.django_db

SIGNUP = {"password": "a-Long-pass-99!", "accept_privacy": True, "adult": True}


def test_an_account_signed_up_through_the_api_gets_french_mails_unless_it_asks_for_english(api):
    api.post("/api/v1/auth/register", {"email": "fr@turf.test", **SIGNUP}, format="json")
    french = last_mail("fr@turf.test")
    assert french.subject == "Votre code de vérification Turf"
    assert french.body.startswith("Bonjour") and "Votre code de vérification" in french.alternatives[0][0]
    answer = api.post("/api/v1/auth/register", {"email": "en@turf.test", "language": "en", **SIGNUP}, format="json")
    assert answer.status_code == 201 and answer.json()["user"]["language"] == "en"
    english = last_mail("en@turf.test")
    assert english.subject == "Your Turf verification code" and english.body.startswith("Hello")


def test_a_language_the_site_does_not_speak_is_refused_at_sign_up(api, django_user_model):
    answer = api.post("/api/v1/auth/register", {"email": "de@turf.test", "language": "de", **SIGNUP}, format="json")
    assert answer.status_code == 400 and answer.json()["message"].startswith("language:")
    assert not django_user_model.objects.exists() and not mail.outbox


def test_the_page_sign_up_keeps_the_pages_language(client):
    password = SIGNUP["password"]
    form = {"email": "page@turf.test", "password": password, "password_again": password, "accept_privacy": "on"}
    client.post("/signup/", {**form, "adult": "on"})
    assert last_mail("page@turf.test").subject == "Your Turf verification code"  # the test client asks for English


def test_switching_the_pages_language_switches_the_mails(client, free_user):
    client.force_login(free_user)
    assert free_user.language == "fr"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    free_user.refresh_from_db()
    assert free_user.language == "en"
    password_reset_request(email=free_user.email)
    assert last_mail(free_user.email).subject == "Choose a new Turf password"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not a language of the site: nothing changes
    free_user.refresh_from_db()
    assert free_user.language == "en"


def test_the_profile_sets_the_language_of_the_mails(api, free_user):
    answer = api.as_user(free_user).patch("/api/v1/auth/account", {"language": "en"}, format="json")
    assert answer.status_code == 200 and answer.json()["user"]["language"] == "en"
    refused = api.patch("/api/v1/auth/account", {"language": "klingon"}, format="json")
    assert refused.status_code == 400 and refused.json()["message"].startswith("language:")


def test_a_mail_to_no_account_speaks_french(settings):
    mail_send(to="someone@turf.test", template="password_changed", subject="x")
    assert last_mail("someone@turf.test").body.startswith("Bonjour")
