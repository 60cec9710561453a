"""GET /api/v1/predictions/history: what was predicted before each race, beside what happened."""

import datetime as dt
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import RaceStatus
from predictions.models import ModelKind
from predictions.tests.factories import DAY, model_version, predict, race_with

pytestmark = pytest.mark.django_db
WINDOW = {"start": "2025-11-01", "end": "2025-11-30"}


def test_each_race_shows_a_prediction_made_before_it_with_the_outcome(api, premium_user):
    race = race_with(final=(2.0, 4.0, 5.0), positions=(2, 1, 3), win_rapports={2: "4.20"})
    market = model_version("market-baseline-1", kind=ModelKind.MARKET)
    before = model_version("trained-before")
    before.trained_until = DAY - dt.timedelta(days=1)
    before.save()
    after = model_version("trained-on-it")  # its window includes the race: never shown for it
    after.trained_until = DAY
    after.save()
    predict(market, race, (0.5, 0.25, 0.25))
    predict(before, race, (0.2, 0.6, 0.2))
    predict(after, race, (0.01, 0.98, 0.01))
    body = api.as_user(premium_user).get("/api/v1/predictions/history", WINDOW).json()
    item = body["data"][0]
    assert item["model_version"] == "trained-before"
    assert item["winner"] == [2]
    assert item["log_loss"] == pytest.approx(-math.log(0.6))
    runners = {r["saddle_number"]: r for r in item["runners"]}
    assert runners[2]["won"] and runners[2]["profit_1_unit"] == pytest.approx(3.2)
    # Three runners: the place pool pays the winner only (DOMAIN.md), so the second is not "placed".
    assert runners[1]["profit_1_unit"] == -1 and runners[1]["placed"] is False and runners[2]["placed"] is True
    assert body["pagination"]["total"] == 1


def test_history_filters_by_discipline_and_racecourse(api, premium_user):
    version = model_version("market-baseline-1", kind=ModelKind.MARKET)
    predict(version, race_with(final=(2.0, 3.0), positions=(1, 2)), (0.6, 0.4))
    predict(version, race_with(final=(2.0, 3.0), positions=(1, 2), course=2, racecourse="ENG", reunion=2), (0.6, 0.4))
    api.as_user(premium_user)
    assert api.get("/api/v1/predictions/history", {**WINDOW, "racecourse": "ENG"}).json()["pagination"]["total"] == 1
    assert api.get("/api/v1/predictions/history", {**WINDOW, "discipline": "trot_attele"}).json()["data"] == []
    assert api.get("/api/v1/predictions/history", {**WINDOW, "discipline": "galop"}).status_code == 400
    assert api.get("/api/v1/predictions/history", {"start": "2025-11-30", "end": "2025-11-01"}).status_code == 400


def test_unfinished_races_are_not_history(api, premium_user):
    version = model_version("market-baseline-1", kind=ModelKind.MARKET)
    predict(version, race_with(final=(2.0, 3.0), status=RaceStatus.SCHEDULED), (0.6, 0.4))
    assert api.as_user(premium_user).get("/api/v1/predictions/history", WINDOW).json()["data"] == []


def test_history_needs_premium(api, free_user):
    assert api.as_user(free_user).get("/api/v1/predictions/history", WINDOW).status_code == 403


def test_history_queries_do_not_grow_with_the_page(api, premium_user):
    version = model_version("market-baseline-1", kind=ModelKind.MARKET)
    predict(version, race_with(final=(2.0, 3.0), positions=(1, 2)), (0.6, 0.4))
    api.as_user(premium_user).get("/api/v1/auth/me")  # the user's snapshot cached, as for any later call
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/predictions/history", WINDOW)
    for course in range(2, 9):
        predict(version, race_with(final=(2.0, 3.0), positions=(1, 2), course=course), (0.6, 0.4))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/predictions/history", WINDOW).json()["data"]) == 8
    assert len(many) == len(one)


def test_without_a_window_the_history_is_the_last_30_days_up_to_yesterday(api, premium_user):
    version = model_version("market-baseline-1", kind=ModelKind.MARKET)
    today = timezone.localdate()
    for days_ago, course in ((1, 1), (30, 2), (31, 3), (0, 4)):
        race = race_with(final=(2.0, 3.0), positions=(1, 2), date=today - dt.timedelta(days=days_ago), course=course)
        predict(version, race, (0.6, 0.4))
    response = api.as_user(premium_user).get("/api/v1/predictions/history")
    assert response.status_code == 200
    body = response.json()
    assert sorted(race["race_code"] for race in body["data"]) == ["R1C1", "R1C2"]
    assert body["window"] == {"start": f"{today - dt.timedelta(days=30)}", "end": f"{today - dt.timedelta(days=1)}"}
