"""How the public record's frozen lines did: log loss against the market, calibration, and the value bets the lines
held, settled at the odds shown and at the rapports, by month with bootstrap intervals; each chain on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from courses.models import Race, RunnerStatus
from predictions.models import RecordChain
from predictions.services.track_record import track_record_close_due
from predictions.tests.factories import DAY, closed_track_record, publish, race_with
from wagering.services.track_record import record_performance

pytestmark = pytest.mark.django_db


def test_the_value_bets_of_the_lines_are_settled_at_the_odds_shown_and_at_the_rapports():
    # Each real day: p (0.5, 0.3, 0.2) at odds (2, 4, 8): saddles 2 and 3 are value bets (p × odds − 1 > 0 at 2+),
    # saddle 2 wins (rapport 4.20), saddle 3 loses.
    closed_track_record()
    bets = record_performance(chain=RecordChain.REAL)["value_bets"]
    assert (bets["bets"], bets["settled"]) == (4, 4)
    assert bets["at_odds"]["staked"] == "4.00" and bets["at_odds"]["profit"] == "4.00"  # 2 × (+3 − 1)
    assert bets["at_rapports"]["profit"] == "4.40" and bets["at_rapports"]["roi"] == pytest.approx(1.1)
    (month,) = bets["by_month"]
    assert month["month"] == "2025-11" and month["at_odds"]["bets"] == 4
    low, high = month["at_odds"]["roi_ci95"]
    assert low <= 1.0 <= high


def test_the_demo_chain_is_judged_apart_from_the_real_one():
    closed_track_record()
    demo = record_performance(chain=RecordChain.DEMO)
    # The demo race (p 0.4, 0.4, 0.2 at odds 2, 4, 4; saddle 1 won): only saddle 2 is a value bet, and it lost.
    assert demo["chain"] == "demo" and demo["races"] == 1
    assert demo["value_bets"]["at_odds"]["profit"] == "-1.00"
    assert record_performance(chain=RecordChain.REAL)["races"] == 2


def test_months_are_apart_good_and_bad_with_a_non_partant_refunded_and_a_race_without_rapports_left_out():
    november = race_with(final=(2.0, 4.0, 8.0), positions=(1, 2, 3), date=DAY)  # the value bets lose
    december = DAY + dt.timedelta(days=30)
    won = race_with(final=(2.0, 4.0, 8.0), positions=(3, 2, 1), win_rapports={3: "9.10"}, date=december)
    publish(november, (0.5, 0.3, 0.2))
    publish(won, (0.5, 0.3, 0.2))
    won.runners.filter(saddle_number=2).update(status=RunnerStatus.NON_PARTANT, position=None)
    assert all(closing.record for closing in track_record_close_due())
    bets = record_performance(chain=RecordChain.REAL)["value_bets"]
    by_month = {month["month"]: month for month in bets["by_month"]}
    assert by_month["2025-11"]["at_odds"]["profit"] == "-2.00" and by_month["2025-11"]["at_rapports"]["bets"] == 0
    december_month = by_month["2025-12"]["at_odds"]
    assert december_month["profit"] == "7.00" and december_month["staked"] == "1.00"  # the non-partant refunded
    assert by_month["2025-12"]["at_rapports"]["profit"] == "8.10"


def test_a_race_not_finished_is_not_settled():
    race = race_with(final=(2.0, 4.0, 8.0), positions=(1, 2, 3), date=DAY)
    publish(race, (0.5, 0.3, 0.2))
    Race.objects.filter(pk=race.pk).update(status="cancelled")
    track_record_close_due()
    performance = record_performance(chain=RecordChain.REAL)
    assert performance["races"] == 0 and performance["value_bets"]["bets"] == 2
    assert performance["value_bets"]["settled"] == 0 and performance["value_bets"]["at_odds"]["roi"] is None


def test_an_empty_chain_has_no_figures():
    performance = record_performance(chain=RecordChain.REAL)
    assert performance["races"] == 0 and performance["value_bets"]["bets"] == 0
