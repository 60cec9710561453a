"""Every page in a real browser, as a pro subscriber and as a visitor: each opens without a script error, shows its
title, draws its charts where it has some, and leaves a screenshot named after it for a reviewer."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import BROWSER, HOLDOUT, sign_up

pytestmark = BROWSER

# (screenshot name, path, the chart canvases the page draws)
SUBSCRIBER_PAGES = [
    ("programme", "/", []),
    ("race-card", "/races/{race}/?date={tomorrow}", ["#card-probabilities-chart"]),
    ("picks", "/picks/?date={tomorrow}", []),
    ("value-bets", "/value-bets/?date={tomorrow}", []),
    ("my-bets", "/bets/", []),
    ("backtests", "/backtests/", []),
    ("backtest", "/backtests/{job}/", ["#equity-chart", "#drawdown-chart"]),
    ("model", "/model/", []),
    ("account", "/account/", []),
    ("profile", "/account/profile/", []),
    ("privacy", "/privacy/", []),
    ("watchlist", "/watchlist/?q=ch", []),
]
PUBLIC_PAGES = [
    ("public-programme", "/"),
    ("public-race", "/races/{race}/?date={today}"),
    ("login", "/login/"),
    ("signup", "/signup/"),
    ("password-forgot", "/password/forgot/"),
    ("track-record", "/track-record/"),
]


@pytest.fixture
def errors(page):
    """The page's uncaught script errors, collected as they happen."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def _done_backtest(email: str) -> int:
    from accounts.models import User
    from wagering.models import BacktestJob
    from wagering.services import backtest_jobs
    from wagering.services.backtest import Strategy

    end = timezone.localdate() - dt.timedelta(days=1)
    owner = User.objects.get(email=email)
    params = Strategy(selection="top_pick", model="walk_forward").as_params()  # the held-out days' predictions
    job = BacktestJob.objects.create(owner=owner, params=params, start=end - dt.timedelta(days=HOLDOUT), end=end)
    assert backtest_jobs.backtest_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.bets.exists(), job.result  # charts with something to draw
    return job.pk


def test_every_subscriber_page_opens_cleanly_with_its_charts(page, site, programme, snap, errors):
    from django.core.management import call_command

    sign_up(page, site, "tour@turf.test")
    call_command("set_plan", "tour@turf.test", "pro", stdout=StringIO())
    today = timezone.localdate()
    values = {"race": programme[0], "today": today, "tomorrow": today + dt.timedelta(days=1)}
    values["job"] = _done_backtest("tour@turf.test")
    for name, path, charts in SUBSCRIBER_PAGES:
        response = page.goto(site + path.format(**values))
        assert response.status == 200, (name, response.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        for chart in charts:
            expect(page.locator(chart)).to_be_visible()
        snap(page, name)
        assert errors == [], (name, errors)


def test_every_public_page_opens_cleanly(page, site, programme, snap, errors):
    values = {"race": programme[0], "today": timezone.localdate()}
    for name, path in PUBLIC_PAGES:
        response = page.goto(site + path.format(**values))
        assert response.status == 200, (name, response.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        snap(page, name)
        assert errors == [], (name, errors)
