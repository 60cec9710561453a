"""On a phone, with the keyboard alone: the sign-up form is filled, ticked and sent without a pointer, and the page
fits the screen's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import BROWSER, PASSWORD, PHONE, fr

pytestmark = BROWSER


@pytest.fixture(autouse=True)
def viewport():
    """This module's browser is a phone's."""
    return PHONE


def test_signing_up_on_a_phone_with_the_keyboard_alone(page, site, snap):
    page.goto(f"{site}/signup/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.get_by_label(fr("E-mail"), exact=True).focus()
    page.keyboard.type("clavier@turf.test")
    page.keyboard.press("Tab")
    expect(page.get_by_label(fr("Name (optional)"))).to_be_focused()
    page.keyboard.type("Camille")
    for field in (fr("Password"), fr("Password (again)")):
        page.keyboard.press("Tab")
        expect(page.get_by_label(field, exact=True)).to_be_focused()
        page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label(fr("I accept the privacy policy"))).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the policy's link, inside its label
    page.keyboard.press("Tab")
    expect(page.get_by_label(fr("I am 18 or over"))).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the news: left unticked
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=fr("Create my account"))).to_be_focused()
    snap(page, "signup-phone")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/verify/"))
    expect(page.get_by_role("heading", name=fr("Verify your e-mail"), level=1)).to_be_visible()
