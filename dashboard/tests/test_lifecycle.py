"""The account's life cycle in the pages: sign-up with its consents, the verification code, the forgotten and
changed password, the profile, the log-in lockout; over the API's services, limits and mails."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import ConsentKind
from accounts.tests.mailbox import code_in, last_mail, mails_to, reset_link_in

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"  # conftest's personas
STRONG = "Correct-Horse-42!"
NEW = "Another-Horse-77!"
SIGNUP = {"email": "new@turf.test", "password": STRONG, "password_again": STRONG}
CONSENTS = {"accept_privacy": "on", "adult": "on"}


def page(response) -> str:
    return response.content.decode()


def test_the_sign_up_form_asks_the_consents_and_links_the_privacy_policy(client):
    html = page(client.get("/signup/"))
    assert 'name="accept_privacy"' in html and 'name="adult"' in html and 'name="marketing_opt_in"' in html
    assert 'href="/privacy"' in html


@pytest.mark.parametrize("missing, message", [("accept_privacy", "privacy policy"), ("adult", "18 or over")])
def test_no_account_without_the_privacy_policy_and_18_plus(client, django_user_model, missing, message):
    form = {**SIGNUP, **{name: "on" for name in CONSENTS if name != missing}}
    response = client.post("/signup/", form)
    assert response.status_code == 200 and message in " ".join(response.context["form"].errors[missing])
    assert not django_user_model.objects.exists() and not mail.outbox


def test_sign_up_then_verify_with_the_mailed_code(client, django_user_model):
    response = client.post("/signup/", {**SIGNUP, **CONSENTS, "marketing_opt_in": "on", "next": "/picks/"})
    assert response.status_code == 302 and response["Location"] == "/verify/?next=%2Fpicks%2F"
    user = django_user_model.objects.get(email="new@turf.test")
    kinds = set(user.consents.values_list("kind", flat=True))
    assert kinds == {ConsentKind.PRIVACY, ConsentKind.AGE, ConsentKind.MARKETING} and user.adult_confirmed_at
    assert "new@turf.test" in page(client.get(response["Location"]))

    code = code_in(last_mail("new@turf.test"))
    verified = client.post("/verify/", {"code": code, "next": "/picks/"})
    assert verified.status_code == 302 and verified["Location"] == "/picks/"
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert "✓ verified" in page(client.get("/account/"))


def test_a_wrong_code_says_so(client, free_user):
    client.force_login(free_user)
    from accounts.services.verification import email_verify_send

    email_verify_send(user=free_user)
    code = code_in(last_mail(free_user.email))
    response = client.post("/verify/", {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert response.status_code == 200 and "wrong, used or expired" in page(response)
    free_user.refresh_from_db()
    assert free_user.email_verified_at is None


def test_five_wrong_codes_are_the_429_page(client, free_user):
    client.force_login(free_user)
    answers = [client.post("/verify/", {"code": "000000"}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_the_resend_button_mails_a_new_code(client, free_user):
    client.force_login(free_user)
    response = client.post("/verify/resend/")
    assert response.status_code == 302 and response["Location"] == "/verify/"
    assert len(mails_to(free_user.email)) == 1
    assert "A new code is on its way" in page(client.get("/verify/"))


def test_the_account_page_offers_to_verify_an_unverified_address(client, free_user):
    client.force_login(free_user)
    html = page(client.get("/account/"))
    assert "not verified" in html and 'href="/verify/"' in html
    assert 'action="/account/password/"' in html and 'action="/account/profile/"' in html


def test_the_login_page_links_the_forgotten_password(client):
    assert 'href="/password/forgot/"' in page(client.get("/login/"))


def test_forgot_then_reset_then_log_in_with_the_new_password(client, free_user):
    done = client.post("/password/forgot/", {"email": free_user.email})
    assert done.status_code == 200 and "If this address has an account" in page(done)
    path, _, _ = reset_link_in(last_mail(free_user.email))
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Your password is changed" in page(client.get("/login/"))
    assert client.get(path).status_code == 400  # used: the link is dead
    logged = client.post("/login/", {"username": free_user.email, "password": NEW})
    assert logged.status_code == 302


def test_forgot_tells_nothing_about_unknown_addresses(client):
    answer = page(client.post("/password/forgot/", {"email": "ghost@turf.test"}))
    assert "If this address has an account" in answer and not mail.outbox


def test_a_reset_link_that_is_bad_is_a_400_page_with_a_way_out(client):
    response = client.get("/password/reset/MQ/nope/")
    assert response.status_code == 400 and 'href="/password/forgot/"' in page(response)


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, free_user):
    elsewhere = Client()
    elsewhere.force_login(free_user)
    client.force_login(free_user)
    wrong = client.post(
        "/account/password/", {"current_password": "nope", "new_password": NEW, "new_password_again": NEW}
    )
    assert wrong.status_code == 200 and "not your current password" in page(wrong)
    response = client.post(
        "/account/password/", {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302  # logged out
    assert last_mail(free_user.email).subject == "Le mot de passe de votre compte Turf a été changé"


def test_the_profile_changes_the_name_and_confirms_a_new_address(client, free_user):
    client.force_login(free_user)
    named = client.post("/account/profile/", {"full_name": "Alice M.", "email": free_user.email})
    assert named.status_code == 302 and named["Location"] == "/account/"
    free_user.refresh_from_db()
    assert free_user.full_name == "Alice M." and not mail.outbox

    moving = client.post("/account/profile/", {"full_name": "Alice M.", "email": "alice.new@turf.test"})
    assert moving.status_code == 302 and moving["Location"] == "/account/email/confirm/"
    assert "alice.new@turf.test" in page(client.get("/account/"))  # waiting for its code
    confirmed = client.post("/account/email/confirm/", {"code": code_in(last_mail("alice.new@turf.test"))})
    assert confirmed.status_code == 302
    free_user.refresh_from_db()
    assert free_user.email == "alice.new@turf.test" and free_user.email_verified_at is not None


def test_the_profile_refuses_an_address_with_an_account(client, free_user, other_user):
    client.force_login(free_user)
    response = client.post("/account/profile/", {"full_name": "", "email": other_user.email})
    assert response.status_code == 200 and "already exists" in page(response)


def test_the_login_form_locks_an_account_after_failures(client, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (3, 900)
    answers = [client.post("/login/", {"username": free_user.email, "password": "guess"}).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    locked = client.post("/login/", {"username": free_user.email, "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed log-ins" in page(locked)
    assert int(locked["Retry-After"]) >= 1
    assert client.get("/account/").status_code == 302  # not logged in


def test_the_login_form_and_the_api_share_the_lockout(client, api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    for _ in range(2):
        api.post("/api/v1/auth/login", {"email": free_user.email, "password": "guess"}, format="json")
    assert client.post("/login/", {"username": free_user.email, "password": PASSWORD}).status_code == 429


def test_sign_ups_from_one_address_are_limited_in_the_pages_too(settings):
    settings.AUTH_RATE_REGISTER = (1, 3600)
    first, second = Client(), Client()
    assert first.post("/signup/", {**SIGNUP, **CONSENTS}).status_code == 302
    refused = second.post("/signup/", {**SIGNUP, **CONSENTS, "email": "other@turf.test"})
    assert refused.status_code == 429 and "Too many accounts" in page(refused)


def test_a_verified_user_sees_the_badge(client, free_user):
    free_user.email_verified_at = timezone.now()
    free_user.save()
    client.force_login(free_user)
    assert "✓ verified" in page(client.get("/account/"))
    assert "is verified" in page(client.get("/verify/"))
