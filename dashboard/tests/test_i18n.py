"""The pages in French first, English on request and remembered; the API in English whatever the request asks."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from wagering.services.limits import betting_limits_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A visitor whose browser states no language (the suite's ``client`` asks for English)."""
    return Client()


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_visitor_who_asks_for_nothing_gets_french(browser):
    response = browser.get("/login/")
    assert response.status_code == 200
    assert html_lang(response) == "fr"
    assert response["Content-Language"] == "fr"


def test_a_browser_asking_for_english_gets_english():
    response = Client(headers={"Accept-Language": "en-GB,en;q=0.8"}).get("/login/")
    assert html_lang(response) == "en"


def test_the_switch_offers_the_other_language_with_its_own_name(browser):
    page = browser.get("/login/").content.decode()
    assert 'name="language" value="en" lang="en">English</button>' in page
    assert 'value="fr" lang="fr"' not in page  # the language already shown is not offered


def test_switching_to_english_is_remembered_and_back_to_french_too(browser):
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/signup/"})
    assert response.status_code == 302 and response["Location"] == "/signup/"
    assert html_lang(browser.get("/login/")) == "en"
    assert html_lang(browser.get("/signup/")) == "en"  # every page after, not only the next one
    browser.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    assert html_lang(browser.get("/login/")) == "fr"


def test_the_choice_wins_over_the_browsers_language():
    visitor = Client(headers={"Accept-Language": "fr"})
    visitor.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert html_lang(visitor.get("/login/")) == "en"


def test_the_switch_refuses_an_unknown_language_and_a_foreign_next(browser):
    browser.post("/i18n/setlang/", {"language": "de", "next": "/login/"})
    assert html_lang(browser.get("/login/")) == "fr"
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_switch_needs_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/i18n/setlang/", {"language": "en", "next": "/login/"}).status_code == 403


def test_django_form_messages_follow_the_language(browser):
    page = browser.post("/signup/", {"email": "not-an-email"}).content.decode()
    assert "Saisissez une adresse e-mail valide." in page


@pytest.mark.parametrize("language", ["fr", "fr-FR,fr;q=0.9", "en"])
def test_the_api_answers_in_english_whatever_the_accept_language(language):
    api = Client(headers={"Accept-Language": language})
    body = api.post("/api/v1/auth/register", data=json.dumps({}), content_type="application/json").json()
    assert body["status"] == "error" and body["error"] == "invalid_parameter", body
    assert "This field is required." in json.dumps(body)
    wrong_method = api.post("/api/v1/health")
    assert wrong_method.json()["message"] == 'Method "POST" not allowed.'
    assert "Content-Language" not in wrong_method
    assert "Accept-Language" not in wrong_method.get("Vary", "")


def test_the_api_ignores_a_language_chosen_on_the_pages(browser):
    browser.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    body = browser.post("/api/v1/auth/register", data=json.dumps({}), content_type="application/json").json()
    assert "This field is required." in json.dumps(body)


def test_the_account_page_writes_money_and_dates_in_french(browser, free_user):
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("1250")})
    browser.force_login(free_user)
    page = browser.get("/account/").content.decode()
    assert "1\xa0250,00\xa0€" in page  # the limit in force
    assert "(0\xa0€ par mois)" in page  # the free plan's price
    assert "Votre compte" in page and "Jeu responsable" in page


@pytest.mark.parametrize("path", ["/account/", "/picks/", "/value-bets/"])
def test_a_page_in_french_costs_no_more_queries_than_in_english(
    browser, premium_user, path, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser.force_login(premium_user)
    browser.get(path)  # the user's snapshot cached
    with CaptureQueriesContext(connection) as english:
        assert browser.get(path, headers={"Accept-Language": "en"}).status_code == 200
    with django_assert_max_num_queries(len(english)):
        response = browser.get(path)
    assert response.status_code == 200 and response["Content-Language"] == "fr"


def test_the_account_page_names_features_statuses_limits_and_periods_in_french(browser, pro_user):
    browser.force_login(pro_user)
    page = browser.get("/account/").content.decode()
    for french in ("Les courses du jour", "Paris value", "Actif", "Mises par jour", "Perte nette par mois", "1 jour"):
        assert french in page, french
    for english in ("Today's races", "Stakes per day", "Net loss per month", ">1 day<"):
        assert english not in page, english
