"""The walk-forward rule, as the history and the backtests both apply it."""

import datetime as dt

import pytest

from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import DAY, model_version, predict, race_with
from wagering.services.backtest import Strategy, backtest

pytestmark = pytest.mark.django_db

NEXT = DAY + dt.timedelta(days=1)


def trained(name: str, until: dt.date) -> ModelVersion:
    return ModelVersion.objects.create(version=name, kind=ModelKind.COMBINED, trained_until=until)


def test_history_and_backtests_judge_each_race_by_the_latest_version_trained_strictly_before_it(api, premium_user):
    market = model_version("market-baseline-1", kind=ModelKind.MARKET)
    old, eve, on_day = (
        trained("old", DAY - dt.timedelta(days=30)),
        trained("eve", DAY - dt.timedelta(days=1)),
        trained("on-day", DAY),
    )
    everyone = race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3), course=1)
    for version in (market, old, eve, on_day):  # eve ended the day before: the latest allowed
        predict(version, everyone, (0.5, 0.3, 0.2))
    late = race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3), course=2)
    for version in (market, on_day):  # on-day may have learnt the result: the market stands in
        predict(version, late, (0.5, 0.3, 0.2))
    tomorrow = race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3), date=NEXT)
    for version in (market, eve, on_day):  # the next day, on-day is the latest trained before it
        predict(version, tomorrow, (0.5, 0.3, 0.2))
    expected = [(DAY, "R1C1", "eve"), (DAY, "R1C2", "market-baseline-1"), (NEXT, "R1C1", "on-day")]

    body = api.as_user(premium_user).get("/api/v1/predictions/history", {"start": DAY, "end": NEXT}).json()
    shown = sorted(
        (dt.date.fromisoformat(race["date"]), race["race_code"], race["model_version"]) for race in body["data"]
    )
    assert shown == expected
    result = backtest(strategy=Strategy(selection="top_pick"), start=DAY, end=NEXT)
    assert [(bet["date"], bet["race_code"], bet["model_version"]) for bet in result["bets"]] == expected
