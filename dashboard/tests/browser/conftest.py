"""The browser tests' harness: Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser) driven headless
by Playwright against pytest-django's ``live_server``, over the demo programme and a model trained on it.

- One Playwright and one browser for the package (``scope="package"``): started before its first test, stopped
  after its last, so that no other test of the suite runs while Playwright's event loop sits in the main thread.
- Each test gets a fresh browser context (no cookies) and a ``page``. A test module says
  ``pytestmark = BROWSER`` (below): marked ``browser``, and its database transactional (the browser's requests are
  served by another thread, which must see committed rows), the migrations' rows restored after it with
  ``serialized_rollback`` as the suite's other transactional tests do.
- ``snap(page, name)`` writes a screenshot into ``TURF_SCREENSHOTS`` (else a temporary folder), and every test's
  last page is written too; the folder is printed at the end of the run. Never committed.
- ``fr(msgid)`` / the English msgid: what a button or label says in either language, read from the catalogue, so
  that the tests select by role and accessible name without copying the translations.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

CHROMIUM = Path("/usr/bin/chromium")
DEMO_DAYS = 10  # history before today: enough to train a model in about a second
HOLDOUT = 3
PASSWORD = "Tr0t-attele-Vincennes"
_shots: dict[str, Path] = {}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def pytest_terminal_summary(terminalreporter):
    if "dir" in _shots:
        terminalreporter.write_line(f"browser screenshots: {_shots['dir']}")


def fr(msgid: str) -> str:
    """What the French pages say for ``msgid``."""
    with translation.override("fr"):
        return translation.gettext(msgid)


@pytest.fixture(scope="package")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ["TURF_SCREENSHOTS"]) if os.environ.get("TURF_SCREENSHOTS") else None
    folder = folder or tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    _shots["dir"] = folder
    return folder


@pytest.fixture(scope="package")
def chromium(django_db_setup):
    """Playwright's Chromium, headless, from Debian's package. Missing: fail under CI, skip on a laptop."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, so Django sees an "async" thread: the tests' own ORM
    # calls (plain sync code) are allowed, and its connections, kept per context there, are new objects that must
    # carry the migrations' rows serialized at set-up (serialized_rollback restores them from there).
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    for alias, contents in serialized.items():
        connections[alias]._test_serialized_contents = contents
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    try:
        yield browser
    finally:
        browser.close()
        connections.close_all()  # this context's connections, before the loop that keys them goes
        playwright.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def programme(live_server):
    """Today's demo programme with DEMO_DAYS of finished racing before it, a model trained on it (warm_up: what
    ``make run`` does), today's races scored. Returns today's race codes."""
    from courses.models import Race, race_code

    today = timezone.localdate()
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    start = str(today - dt.timedelta(days=DEMO_DAYS))
    call_command("load_demo", "--start", start, "--today", str(today), "--seed", "7", "--no-progress", **quiet)
    call_command("warm_up", "--holdout", str(HOLDOUT), "--no-progress", **quiet)
    races = Race.objects.filter(meeting__date=today).select_related("meeting")
    return sorted(race_code(race.meeting.number, race.number) for race in races)


@pytest.fixture
def site(live_server, programme) -> str:
    return live_server.url


@pytest.fixture
def context(chromium, request):
    """A fresh browser context: no cookies, a desktop window (a module's autouse ``viewport`` fixture, e.g.
    ``PHONE``, changes it), French asked for unless an autouse ``locale`` fixture says otherwise."""
    locale = request.getfixturevalue("locale") if "locale" in request.fixturenames else "fr-FR"
    viewport = request.getfixturevalue("viewport") if "viewport" in request.fixturenames else DESKTOP
    context = chromium.new_context(locale=locale, viewport=viewport)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def snap(screenshots, request):
    """``snap(page, "name")``: a full-page screenshot named after the test, in the order taken."""
    taken = []
    test = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")

    def take(page, name: str) -> Path:
        taken.append(name)
        path = screenshots / f"{test}-{len(taken):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    take.taken = taken
    return take


@pytest.fixture
def page(context, snap):
    """A page whose script errors, CSP violations and missing static files fail the test; its last state is
    photographed. (A page answered 403 or 429 on purpose is not an error: only its assets are checked.)"""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and "/static/" in response.url
            else None
        ),
    )
    yield page
    if not page.is_closed():
        snap(page, "last")
    assert not errors, errors


def sign_up(page, site: str, email: str) -> None:
    """Sign up through the form as a visitor would (the page in French), and land on the verification page."""
    page.goto(f"{site}/signup/")
    page.get_by_label(fr("E-mail"), exact=True).fill(email)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(fr("Password (again)"), exact=True).fill(PASSWORD)
    page.get_by_label(fr("I accept the privacy policy")).check()
    page.get_by_label(fr("I am 18 or over")).check()
    page.get_by_role("button", name=fr("Create my account")).click()
    page.wait_for_url(re.compile(r"/verify/"))
