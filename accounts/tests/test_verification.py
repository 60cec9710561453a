"""E-mail verification: the code mailed at sign-up, checked once, expiring, its tries limited; resend without
telling who has an account."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import EmailCode

from .mailbox import code_in, last_mail, mails_to

pytestmark = pytest.mark.django_db
STRONG = "Correct-Horse-42!"
EMAIL = "new@turf.test"
VERIFY, RESEND = "/api/v1/auth/verify", "/api/v1/auth/verify/resend"


@pytest.fixture
def newcomer(api, django_user_model):
    """A user just signed up through the API, logged in with its tokens (the code is in the mailbox)."""
    body = {"email": EMAIL, "password": STRONG, "accept_privacy": True, "adult": True}
    assert api.post("/api/v1/auth/register", body, format="json").status_code == 201
    user = django_user_model.objects.get(email=EMAIL)
    return api.as_user(user), user


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_sign_up_then_the_mailed_code_verifies_the_address(newcomer):
    api, user = newcomer
    code = code_in(last_mail(EMAIL))
    response = api.post(VERIFY, {"code": code}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["email_verified"] is True
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert api.get("/api/v1/auth/me").json()["user"]["email_verified"] is True
    assert EmailCode.objects.get(user=user).used_at is not None  # used once


def test_a_code_typed_with_spaces_or_a_dash_is_read(newcomer):
    api, _ = newcomer
    code = code_in(last_mail(EMAIL))
    assert api.post(VERIFY, {"code": f" {code[:3]}-{code[3:]} "}, format="json").status_code == 200


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_code_that_is_not_6_digits_is_a_400_naming_the_field(newcomer, code):
    api, _ = newcomer
    response = api.post(VERIFY, {"code": code}, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("code:")


def test_a_wrong_code_is_refused_and_verifies_nothing(newcomer):
    api, user = newcomer
    response = api.post(VERIFY, {"code": wrong(code_in(last_mail(EMAIL)))}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"
    assert response.json()["message"].startswith("code:")
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_an_expired_code_is_refused(newcomer):
    api, user = newcomer
    code = code_in(last_mail(EMAIL))
    EmailCode.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.post(VERIFY, {"code": code}, format="json").status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_the_code_lives_the_configured_hours(newcomer, settings):
    _, user = newcomer
    stored = EmailCode.objects.get(user=user)
    lifetime = stored.expires_at - stored.created_at
    assert abs(lifetime - dt.timedelta(hours=settings.EMAIL_CODE_TTL_HOURS)) < dt.timedelta(seconds=5)


def test_five_wrong_codes_then_even_the_right_one_waits(newcomer):
    api, user = newcomer
    code = code_in(last_mail(EMAIL))
    answers = [api.post(VERIFY, {"code": wrong(code)}, format="json").status_code for _ in range(5)]
    assert answers == [400] * 5
    refused = api.post(VERIFY, {"code": code}, format="json")
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_attempts"
    assert 1 <= int(refused["Retry-After"]) <= 15 * 60
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_code_tried_wrong_five_times_is_dead_after_the_window_too(newcomer):
    from django.core.cache import cache

    api, _ = newcomer
    code = code_in(last_mail(EMAIL))
    for _ in range(5):
        api.post(VERIFY, {"code": wrong(code)}, format="json")
    cache.clear()  # the window passed (or the cache was emptied): the code itself remembers its wrong tries
    assert api.post(VERIFY, {"code": code}, format="json").status_code == 400
    assert api.post(RESEND, {}, format="json").status_code == 200
    assert api.post(VERIFY, {"code": code_in(last_mail(EMAIL))}, format="json").status_code == 200


def test_resend_mails_a_new_code_and_the_old_one_dies(newcomer):
    api, _ = newcomer
    old = code_in(last_mail(EMAIL))
    response = api.post(RESEND, {}, format="json")
    assert response.status_code == 200 and len(mails_to(EMAIL)) == 2
    new = code_in(last_mail(EMAIL))
    if new != old:  # one chance in a million that they are the same
        assert api.post(VERIFY, {"code": old}, format="json").status_code == 400
    assert api.post(VERIFY, {"code": new}, format="json").status_code == 200


def test_a_logged_in_user_is_told_past_the_resend_limit(newcomer, settings):
    settings.AUTH_RATE_RESEND = (3, 3600)
    api, _ = newcomer
    answers = [api.post(RESEND, {}, format="json").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert len(mails_to(EMAIL)) == 4  # the sign-up's and three resends


def test_a_verified_user_gets_no_new_code(newcomer):
    api, _ = newcomer
    api.post(VERIFY, {"code": code_in(last_mail(EMAIL))}, format="json")
    response = api.post(RESEND, {}, format="json")
    assert response.status_code == 200 and "already verified" in response.json()["message"]
    assert len(mails_to(EMAIL)) == 1


def test_the_anonymous_resend_answers_the_same_whoever_asks(api, newcomer, free_user):
    api.credentials()
    free_user.email_verified_at = timezone.now()
    free_user.save()
    before = len(mail.outbox)
    unknown = api.post(RESEND, {"email": "ghost@turf.test"}, format="json")
    verified = api.post(RESEND, {"email": free_user.email}, format="json")
    assert len(mail.outbox) == before  # no mail to an unknown or a verified address
    waiting = api.post(RESEND, {"email": "NEW@turf.test"}, format="json")
    assert len(mails_to(EMAIL)) == 2  # a new code to the account waiting for it
    assert unknown.status_code == verified.status_code == waiting.status_code == 200
    assert unknown.json() == verified.json() == waiting.json()


def test_the_anonymous_resend_is_silent_past_its_limit(api, newcomer, settings):
    settings.AUTH_RATE_RESEND = (2, 3600)
    api.credentials()
    answers = [api.post(RESEND, {"email": EMAIL}, format="json") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert len({answer.json()["message"] for answer in answers}) == 1
    assert len(mails_to(EMAIL)) == 3  # the sign-up's and two resends


def test_the_anonymous_resend_needs_an_address(api):
    response = api.post(RESEND, {}, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith("email:")


def test_verifying_needs_a_login(api):
    assert api.post(VERIFY, {"code": "123456"}, format="json").status_code == 401
