"""A visitor in a real browser: signs up in French, reads the programme, a race card and the top picks, switches to
English, logs out; a free user meets the upgrade prompt; a bad e-mail is said next to its field."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from .conftest import BROWSER, fr, sign_up

pytestmark = BROWSER
RACE = re.compile(r"^R\d+C\d+$")


def test_sign_up_read_the_programme_a_race_and_the_picks_switch_to_english_log_out(page, site, programme, snap):
    page.goto(f"{site}/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    snap(page, "signup")
    sign_up(page, site, "lea@turf.test")
    snap(page, "verify")

    page.get_by_role("link", name=fr("Programme")).click()
    races = page.get_by_role("link", name=RACE)
    expect(races.first).to_be_visible()
    shown = sorted(set(races.all_inner_texts()))
    assert shown == programme  # every race of today, by its code
    snap(page, "programme")

    races.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(shown[0])
    expect(page.get_by_role("table").first).to_be_visible()
    snap(page, "race")

    # Tomorrow's picks: races still to come whatever the hour (the free plan's one look of the day).
    page.goto(f"{site}/picks/?date={timezone.localdate() + dt.timedelta(days=1)}")
    expect(page.get_by_role("heading", name=fr("Top picks"), level=1)).to_be_visible()
    expect(page.get_by_role("link", name=RACE).first).to_be_visible()
    snap(page, "picks")

    page.get_by_role("link", name=fr("Account")).click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()  # the same page, in English
    page.get_by_role("link", name="Programme").click()
    expect(page.get_by_role("link", name="Top picks")).to_be_visible()  # the choice is kept on the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    snap(page, "programme-en")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # still English, logged out


def test_a_free_user_opening_value_bets_is_shown_the_plan_that_opens_them(page, site, snap):
    sign_up(page, site, "fred@turf.test")
    page.get_by_role("link", name=fr("Value bets")).click()
    upgrade = page.get_by_role("button", name=re.compile(re.escape(fr("Upgrade to %(plan)s") % {"plan": "Premium"})))
    expect(upgrade).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)  # no value bet shown to a plan that does not open them
    snap(page, "value-bets-refused")


def test_a_bad_e_mail_is_said_next_to_the_field_and_nothing_is_lost(page, site, snap):
    page.goto(f"{site}/signup/")
    email = page.get_by_label(fr("E-mail"), exact=True)
    email.fill("lea-at-turf")
    page.get_by_label(fr("Name (optional)")).fill("Léa")
    # The browser's own check would stop the form before the server sees it: the server's answer is what is tested.
    page.locator("form").filter(has=email).evaluate("form => form.noValidate = true")
    page.get_by_role("button", name=fr("Create my account")).click()
    email = page.get_by_label(fr("E-mail"), exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("adresse e-mail valide"))
    expect(page.get_by_label(fr("Name (optional)"))).to_have_value("Léa")  # what was typed is kept
    snap(page, "signup-error")


def test_the_whole_journey_from_the_public_programme_to_a_backtests_csv(page, site, programme, snap, eager_celery):
    """The issue's journey: the public programme → sign up → a race → record a bet → (pro) a backtest watched to 100%
    with its charts → its CSV → English → log out."""
    from django.core.management import call_command

    page.goto(f"{site}/")  # no login
    races = page.get_by_role("link", name=RACE)
    expect(races.first).to_be_visible()
    assert sorted(set(races.all_inner_texts())) == programme
    snap(page, "public-programme")
    races.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(programme[0])
    expect(page.locator("meter")).to_have_count(0)  # a visitor sees no probability
    snap(page, "public-race")

    sign_up(page, site, "paul@turf.test")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)  # races still to come whatever the hour
    page.goto(f"{site}/?date={tomorrow}")
    page.get_by_role("link", name=RACE).first.click()
    expect(page.locator("meter.win").first).to_be_visible()  # the model's chance, as bars
    snap(page, "race-card")
    form = page.locator("form[data-bet-form]").first
    form.get_by_role("button", name=fr("Record")).click()  # the second click: stake and cote are prefilled
    notice = page.locator("[data-form-notice]")
    expect(notice).to_be_visible()
    expect(notice).not_to_have_class(re.compile("errorlist"))
    nav = page.get_by_role("navigation", name=fr("Main"))
    nav.get_by_role("link", name=fr("My bets"), exact=True).click()
    expect(page.locator("[data-bet]")).to_have_count(1)
    snap(page, "my-bets")

    call_command("set_plan", "paul@turf.test", "pro", stdout=StringIO())
    page.get_by_role("navigation", name=fr("Main")).get_by_role("link", name=fr("Backtests"), exact=True).click()
    page.get_by_role("button", name=fr("Run the backtest")).click()
    page.wait_for_url(re.compile(r"/backtests/\d+/$"))
    expect(page.locator("#backtest-progress")).to_have_attribute("value", "100")
    expect(page.locator("body")).to_have_attribute("data-charts-drawn", "true")
    expect(page.locator("#equity-chart")).to_be_visible()
    snap(page, "backtest")
    with page.expect_download() as download:
        page.get_by_role("link", name=fr("Download the bets (CSV)")).click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) > 1 and "," in lines[0]  # a header and the job's bets

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My bets", exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
