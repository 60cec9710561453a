"""One settlement for the backtests, the metrics' value-bet ROI and the history: the same races, the same money."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from courses.models import Race, Source
from predictions.tests.factories import DAY, model_version, predict, race_with
from wagering.selectors import backtest_run, metrics_compute
from wagering.services.evaluation import payouts
from wagering.services.settlement import NO_ODDS

pytestmark = pytest.mark.django_db

SUMMARY = ("bets", "winners", "hit_rate", "staked", "returned", "profit", "roi", "roi_ci95")


@pytest.fixture
def season():
    """Finished races, value bets (edge 0, odds 2.0 or more) computed by hand in the comments."""
    version = model_version("hand-1")
    version.trained_until = DAY - dt.timedelta(days=1)
    version.save()
    races = [
        # saddle 2 (EV 1.0) wins: its rapport 3.50 pays, not its odds 4.0
        (race_with(final=(2.0, 4.0, 6.0), positions=(2, 1, 3), win_rapports={2: "3.50"}, course=1), (0.4, 0.5, 0.1)),
        # saddle 3 (EV 2.0) loses; no rapports: the positions decide
        (race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3), course=2), (0.4, 0.1, 0.5)),
        # saddle 1 (EV 0.8) dead-heats for first, no rapports: 6.0 / 2 = 3.00
        (race_with(final=(6.0, 4.0, 2.0), positions=(1, 1, 3), course=3), (0.3, 0.22, 0.48)),
        # Betfair: saddle 1 (EV 1.0) wins at 4.0, 5% of the net win kept: 1 + 3 × 0.95 = 3.85
        (race_with(final=(4.0, 2.0, 3.0), positions=(1, 2, 3), course=4), (0.5, 0.3, 0.2)),
        # saddles 2 and 3 (EV 0.6, 0.5) lose; the winner's rapport is there
        (race_with(final=(2.0, 4.0, 5.0), positions=(1, 2, 3), win_rapports={1: "2.10"}, course=5), (0.3, 0.4, 0.3)),
        # no rapport, and saddles 1 (the winner) and 2 (a loser) have no final odds: bet at the morning
        # odds (EV 0.5, 0.2), neither can be settled, whether it won or lost
        (race_with(final=(None, None, 3.0), morning=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=6), (0.5, 0.4, 0.1)),
    ]
    Race.objects.filter(pk=races[3][0].pk).update(source=Source.BETFAIR_UK_IE)
    for race, probabilities in races:
        predict(version, race, probabilities)
    return version


def test_the_metrics_value_bets_earn_what_the_backtest_of_the_same_strategy_earns(season):
    metrics = metrics_compute(start=DAY, end=DAY, model_version=season)
    backtest = backtest_run(start=DAY, end=DAY, model_version=season)
    value_bets = metrics["model"]["value_bets"]
    assert {key: backtest["summary"][key] for key in SUMMARY} == value_bets
    # 6 bets settled, returning 3.50 + 3.00 + 3.85
    assert (value_bets["bets"], value_bets["winners"], value_bets["returned"]) == (6, 3, Decimal("10.35"))
    assert value_bets["roi"] == pytest.approx(4.35 / 6)


def test_a_bet_that_cannot_be_settled_is_reported_and_left_out_of_the_roi_whether_it_won_or_lost(season):
    backtest = backtest_run(start=DAY, end=DAY, model_version=season)
    assert [(u["race_code"], u["saddle_number"], u["reason"]) for u in backtest["unsettled"]] == [
        ("R1C6", 1, NO_ODDS),
        ("R1C6", 2, NO_ODDS),
    ]
    assert "R1C6" not in {bet["race_code"] for bet in backtest["bets"]}
    assert (backtest["summary"]["unsettled_bets"], backtest["summary"]["unsettled_races"]) == (2, 1)
    # The metrics judge the race against the market when it was predicted (the morning odds its prediction saw),
    # but leave its two bets out of the value bets' ROI: nothing settles them.
    metrics = metrics_compute(start=DAY, end=DAY, model_version=season)
    assert (metrics["races"], metrics["races_skipped"]) == (6, {})
    value_bets = metrics["model"]["value_bets"]
    assert (value_bets["bets"], value_bets["staked"]) == (6, backtest["summary"]["staked"])


def test_the_history_settles_each_runner_as_the_backtest_does(api, premium_user, season):
    body = api.as_user(premium_user).get("/api/v1/predictions/history", {"start": DAY, "end": DAY}).json()
    profit = {
        (race["race_code"], r["saddle_number"]): r["profit_1_unit"] for race in body["data"] for r in race["runners"]
    }
    assert profit[("R1C1", 2)] == pytest.approx(2.5) and profit[("R1C1", 1)] == -1
    assert profit[("R1C3", 1)] == pytest.approx(2.0) and profit[("R1C3", 2)] == pytest.approx(1.0)
    assert profit[("R1C4", 1)] == pytest.approx(2.85)  # Betfair commission
    # Without a rapport or final odds, neither the winner nor a loser is settled; a loser with odds is.
    assert (profit[("R1C6", 1)], profit[("R1C6", 2)], profit[("R1C6", 3)]) == (None, None, -1)


def test_the_model_report_settles_value_bets_by_the_same_rule():
    """docs/MODEL.md's value-bet ROI: rapports first, else odds split by dead-heaters less commission, else
    unsettled."""
    data = pd.DataFrame(
        {
            "race_id": [1, 1, 1, 2, 2, 2, 3, 3],
            "saddle": [1, 2, 3, 1, 2, 3, 1, 2],
            "position": [1, 2, 3, 1, 1, 3, 1, 2],
            "source": [Source.BETFAIR_UK_IE] * 8,  # an exchange: 5% commission on the net win
        }
    )
    odds = np.array([4.0, 3.0, 9.0, 6.0, 3.0, 2.0, 5.0, np.nan])
    paid = payouts(data, odds=odds, dividends={1: {1: Decimal("4.60")}})
    assert paid[:3] == pytest.approx([4.6, 0.0, 0.0])  # the rapport decides race 1, not the odds
    # Dead heat: 6/2 and 3/2, less 5% of the net win, rounded down to the cent (0.475 -> 0.47).
    assert paid[3:6] == pytest.approx([1 + 2.0 * 0.95, 1.47, 0.0])
    assert paid[6] == pytest.approx(1 + 4.0 * 0.95)
    assert np.isnan(paid[7])  # a loser with no price and no rapport cannot be settled: not a loss
    # A pari-mutuel source pays the odds as they are: its takeout is already out of them.
    assert payouts(data.assign(source=Source.HKJC), odds=odds)[6] == pytest.approx(5.0)
