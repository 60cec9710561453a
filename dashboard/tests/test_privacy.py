"""Your data on the pages: the policy, the download, the news consent, the deletion and the unsubscribe link."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.mail import mail_send, unsubscribe_url
from accounts.models import Consent, ConsentKind
from accounts.services.marketing import marketing_consent_set
from accounts.services.self_exclusion import self_exclusion_start
from accounts.tests.holdings import holdings, rows_of
from billing.models import Invoice

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_policy_is_public_and_tells_what_we_hold_and_the_rights(client):
    response = client.get("/privacy/")
    text = response.content.decode()
    assert response.status_code == 200
    assert f"Version {settings.PRIVACY_POLICY_VERSION}" in text and settings.PRIVACY_CONTACT_EMAIL in text
    for subject in (
        "Stripe",
        "IP addresses",
        "API keys",
        "Audit trail",
        "invoices",
        "CNIL",
        "Art. 15",
        "Art. 17",
        "Art. 21",
        "/api/v1/auth/account/data",
    ):
        assert subject in text
    assert client.get("/privacy")["Location"] == "/privacy/"


def test_every_page_links_the_policy_in_its_footer(client, free_user):
    assert 'href="/privacy/"' in client.get("/login/").content.decode()
    assert 'href="/privacy/"' in logged_in(client, free_user).get("/account/").content.decode()


def test_the_download_is_the_apis_export(client, api, premium_user):
    holdings(premium_user)
    response = logged_in(client, premium_user).get("/account/data/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="turf-data-')
    page = json.loads(response.content)
    exported = api.as_user(premium_user).get("/api/v1/auth/account/data").json()
    assert page["user_id"] == premium_user.pk
    assert set(page["data"]) == set(exported["data"])
    assert page["data"]["bets"] == exported["data"]["bets"]


def test_deleting_the_account_needs_the_password_then_logs_out_and_says_goodbye(client, premium_user):
    holdings(premium_user)
    uid = premium_user.pk
    logged_in(client, premium_user)
    wrong = client.post("/account/delete/", {"password": "not-it"})
    assert wrong.status_code == 400 and "The password is wrong" in wrong.content.decode()
    assert get_user_model().objects.filter(pk=uid).exists()

    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/goodbye/"
    assert not get_user_model().objects.filter(pk=uid).exists()
    assert {label: n for label, n in rows_of(uid).items() if n} == {}
    assert Invoice.objects.filter(user__isnull=True).count() == 1
    assert "Your account is deleted" in client.get("/goodbye/").content.decode()
    assert client.get("/account/")["Location"].startswith("/login/")  # logged out


def test_wrong_passwords_on_the_page_count_with_the_apis(client, api, premium_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    api.as_user(premium_user).delete("/api/v1/auth/account", {"password": "guess"}, format="json")
    logged_in(client, premium_user).post("/account/delete/", {"password": "guess again"})
    refused = client.post("/account/delete/", {"password": PASSWORD})
    assert refused.status_code == 429 and refused["Retry-After"] == "900"
    assert "Too many failed log-ins" in refused.content.decode()
    assert get_user_model().objects.filter(pk=premium_user.pk).exists()


def test_the_news_can_be_turned_on_and_off_from_the_account(client, free_user):
    logged_in(client, free_user)
    assert client.post("/account/marketing/", {"opt_in": "1"})["Location"] == "/account/#privacy"
    free_user.refresh_from_db()
    assert free_user.marketing_opt_in
    consent = Consent.objects.get(user=free_user, kind=ConsentKind.MARKETING)
    assert consent.version == settings.PRIVACY_POLICY_VERSION and consent.withdrawn_at is None
    assert "Stop the news mails" in client.get("/account/").content.decode()

    client.post("/account/marketing/", {"opt_in": "0"})
    free_user.refresh_from_db()
    consent.refresh_from_db()
    assert not free_user.marketing_opt_in and consent.withdrawn_at is not None


def _link_in(message) -> str:
    url = re.search(rf"{re.escape(settings.SITE_URL)}(/unsubscribe/[^\s\"<]+/)", message.body).group(1)
    assert url in message.alternatives[0][0]  # the HTML part carries it too
    return url


def test_the_unsubscribe_link_of_a_mail_works_without_logging_in(client, free_user):
    marketing_consent_set(user=free_user, opt_in=True)
    assert mail_send(to=free_user.email, template="newsletter", subject="News", user=free_user, marketing=True)
    url = _link_in(mail.outbox[0])

    confirm = client.get(url)
    assert confirm.status_code == 200 and "Stop the news mails?" in confirm.content.decode()
    done = client.post(url)
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    free_user.refresh_from_db()
    assert not free_user.marketing_opt_in
    assert Consent.objects.get(user=free_user, kind=ConsentKind.MARKETING).withdrawn_at is not None


def test_the_unsubscribe_post_needs_no_csrf_cookie(free_user):
    from django.test import Client

    marketing_consent_set(user=free_user, opt_in=True)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(unsubscribe_url(free_user).removeprefix(settings.SITE_URL)).status_code == 200
    free_user.refresh_from_db()
    assert not free_user.marketing_opt_in


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "1" + t])
def test_a_tampered_unsubscribe_link_changes_nothing(client, free_user, other_user, tamper):
    marketing_consent_set(user=free_user, opt_in=True)
    marketing_consent_set(user=other_user, opt_in=True)
    token = unsubscribe_url(free_user).rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"/unsubscribe/{tamper(token)}/")
    assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert get_user_model().objects.filter(marketing_opt_in=True).count() == 2


def test_a_self_excluded_user_gets_no_marketing_mail_even_opted_in(free_user):
    marketing_consent_set(user=free_user, opt_in=True)
    self_exclusion_start(user=free_user, days=7)
    assert not mail_send(to=free_user.email, template="newsletter", subject="News", user=free_user, marketing=True)
    assert mail.outbox == []
