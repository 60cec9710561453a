"""Backtests: settlement on hand-made races, walk-forward, staking, baselines."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from courses.models import BetType, Dividend, Race, RaceStatus, Runner, RunnerStatus, Source
from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import DAY, model_version, predict, race_with
from wagering.services.backtest import Strategy, backtest
from wagering.services.settlement import NO_PLACE_ODDS, NO_RESULT, summarise

pytestmark = pytest.mark.django_db

NEXT = DAY + dt.timedelta(days=1)
WINDOW = {"start": DAY - dt.timedelta(days=5), "end": DAY + dt.timedelta(days=5)}


def rapports(race: Race, bet_type: str, lines: dict[str, str]) -> None:
    Dividend.objects.bulk_create(
        Dividend(race=race, bet_type=bet_type, combination=combination, amount=Decimal(amount))
        for combination, amount in lines.items()
    )


def run(strategy: Strategy, version: ModelVersion | None = None, **window) -> dict:
    return backtest(strategy=strategy, model_version=version, **{**WINDOW, **window})


def bets_of(result: dict) -> list[tuple]:
    return [(b["race_code"], b["selection"], b["stake"], b["return"], b["settled_by"]) for b in result["bets"]]


@pytest.fixture
def version():
    return model_version("hand-1")


# -- settlement -------------------------------------------------------------------------------------------


def test_a_win_bet_is_paid_by_the_rapport_not_the_odds(version):
    race = race_with(final=(2.0, 4.0, 6.0), positions=(2, 1, 3), win_rapports={2: "3.60"})
    predict(version, race, (0.2, 0.6, 0.2))
    result = run(Strategy(selection="top_pick"), version)
    assert bets_of(result) == [("R1C1", "2", Decimal("1.00"), Decimal("3.60"), "rapport")]


def test_place_bets_are_paid_by_the_place_rapports(version):
    placed = race_with(final=[3.0] * 8, positions=range(1, 9), course=1)
    rapports(placed, BetType.SIMPLE_PLACE, {"1": "1.30", "2": "1.70", "3": "2.10"})
    predict(version, placed, (0.1, 0.1, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1))
    unplaced = race_with(final=[3.0] * 8, positions=range(1, 9), course=2)
    rapports(unplaced, BetType.SIMPLE_PLACE, {"1": "1.30", "2": "1.70", "3": "2.10"})
    predict(version, unplaced, (0.1, 0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1))
    result = run(Strategy(selection="top_pick", bet_type="simple_place"), version)
    assert bets_of(result) == [
        ("R1C1", "3", Decimal("1.00"), Decimal("2.10"), "rapport"),
        ("R1C2", "5", Decimal("1.00"), Decimal("0.00"), "rapport"),
    ]


def test_dead_heats_split_the_price_without_rapports(version):
    # Win: two share first at 5.0 -> 5.0 / 2. Place (8 run, 3 paid): two share third -> half the stake at 2.40.
    win = race_with(final=(5.0, 2.0, 4.0), positions=(1, 1, 3), course=1)
    predict(version, win, (0.5, 0.3, 0.2))
    place = race_with(final=[6.0] * 8, positions=(1, 2, 3, 3, 5, 6, 7, 8), course=2)
    Runner.objects.filter(race=place, saddle_number=4).update(final_place_odds=Decimal("2.40"))
    predict(version, place, (0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1, 0.1))
    assert bets_of(run(Strategy(selection="top_pick"), version))[0] == (
        "R1C1",
        "1",
        Decimal("1.00"),
        Decimal("2.50"),
        "final odds",
    )
    assert bets_of(run(Strategy(selection="top_pick", bet_type="simple_place", stake=Decimal(2)), version)) == [
        ("R1C2", "4", Decimal("2.00"), Decimal("2.40"), "place odds")
    ]


def test_a_dead_heat_with_rapports_pays_what_each_line_says(version):
    race = race_with(final=(3.0, 3.0, 3.0), positions=(1, 1, 3), win_rapports={1: "1.70", 2: "2.30"})
    predict(version, race, (0.3, 0.5, 0.2))
    assert bets_of(run(Strategy(selection="top_pick"), version))[0][3] == Decimal("2.30")


def test_a_non_partant_is_refunded_and_left_out_of_the_turnover(version):
    scratched = race_with(
        final=(2.0, 3.0, 4.0),
        positions=(None, 1, 2),
        course=1,
        statuses=(RunnerStatus.NON_PARTANT, RunnerStatus.RUNNER, RunnerStatus.RUNNER),
    )
    predict(version, scratched, (0.5, 0.3, 0.2))  # predicted before the scratching
    lost = race_with(final=(2.0, 3.0, 4.0), positions=(2, 1, 3), course=2)
    predict(version, lost, (0.5, 0.3, 0.2))
    result = run(Strategy(selection="top_pick", stake=Decimal(5)), version)
    assert bets_of(result) == [
        ("R1C1", "1", Decimal("5.00"), Decimal("5.00"), "refund: non-partant"),
        ("R1C2", "1", Decimal("5.00"), Decimal("0.00"), "final odds"),
    ]
    summary = result["summary"]
    assert (summary["bets"], summary["refunded"], summary["staked"], summary["profit"]) == (2, 1, 5, -5)
    assert summary["hit_rate"] == 0.0


def test_couple_and_trio_back_the_top_two_and_three_in_any_order(version):
    race = race_with(final=[4.0] * 5, positions=(3, 1, 2, 4, 5), course=1)
    rapports(race, BetType.COUPLE_GAGNANT, {"2-3": "12.40", "5-NP": "0"})
    rapports(race, BetType.TRIO, {"2-3-1": "45.00"})
    predict(version, race, (0.25, 0.2, 0.3, 0.15, 0.1))  # top three: 3, 1, 2
    missed = race_with(final=[4.0] * 5, positions=(1, 2, 3, 4, 5), course=2)
    rapports(missed, BetType.COUPLE_GAGNANT, {"1-2": "8.00"})
    rapports(missed, BetType.TRIO, {"1-2-3": "20.00"})
    predict(version, missed, (0.1, 0.2, 0.3, 0.25, 0.15))  # 3-4 and 3-4-2
    no_pool = race_with(final=[4.0] * 5, positions=(1, 2, 3, 4, 5), course=3)
    predict(version, no_pool, (0.3, 0.25, 0.2, 0.15, 0.1))
    couple = run(Strategy(selection="top_pick", bet_type="couple_gagnant"), version)
    assert bets_of(couple) == [
        ("R1C1", "3-1", Decimal("1.00"), Decimal("0.00"), "rapport"),
        ("R1C2", "3-4", Decimal("1.00"), Decimal("0.00"), "rapport"),
    ]
    assert couple["skipped"]["no couple_gagnant rapports (the pool is not offered)"] == 1
    trio = run(Strategy(selection="top_pick", bet_type="trio"), version)
    assert bets_of(trio)[0] == ("R1C1", "3-1-2", Decimal("1.00"), Decimal("45.00"), "rapport")
    assert bets_of(trio)[1][3] == Decimal("0.00")


def test_a_couple_on_the_rapport_line_is_paid_and_one_with_a_non_partant_refunded(version):
    race = race_with(final=[4.0] * 4, positions=(2, 1, 3, 4), course=1)
    rapports(race, BetType.COUPLE_GAGNANT, {"1-2": "9.10"})
    predict(version, race, (0.4, 0.3, 0.2, 0.1))
    scratched = race_with(
        final=[4.0] * 4,
        positions=(None, 1, 2, 3),
        course=2,
        statuses=(RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT) + (RunnerStatus.RUNNER,) * 2,
    )
    rapports(scratched, BetType.COUPLE_GAGNANT, {"1-3": "6.00"})
    predict(version, scratched, (0.4, 0.3, 0.2, 0.1))
    result = run(Strategy(selection="top_pick", bet_type="couple_gagnant", stake=Decimal(2)), version)
    assert bets_of(result) == [
        ("R1C1", "1-2", Decimal("2.00"), Decimal("18.20"), "rapport"),
        ("R1C2", "1-2", Decimal("2.00"), Decimal("2.00"), "refund: non-partant"),
    ]


def test_what_cannot_be_settled_is_reported_with_its_reason_not_guessed(version):
    future = race_with(final=None, morning=(2.0, 3.0, 5.0), status=RaceStatus.SCHEDULED, course=1)
    predict(version, future, (0.5, 0.3, 0.2))
    unpriced = race_with(final=(2.0, 3.0, 5.0, 9.0), positions=(1, 2, 3, 4), course=2)  # no place rapports
    predict(version, unpriced, (0.5, 0.3, 0.1, 0.1))
    win = run(Strategy(selection="top_pick"), version)
    assert [(u["race_code"], u["reason"]) for u in win["unsettled"]] == [("R1C1", NO_RESULT)]
    assert win["summary"]["unsettled_bets"] == 1 and win["summary"]["bets"] == 1
    place = run(Strategy(selection="top_pick", bet_type="simple_place"), version)
    assert [u["reason"] for u in place["unsettled"]][1] == NO_PLACE_ODDS
    assert place["bets"] == []


def test_betfair_prices_lose_the_commission_on_the_net_win(version):
    race = race_with(final=(4.0, 2.0, 3.0), positions=(1, 2, 3))
    Race.objects.filter(pk=race.pk).update(source=Source.BETFAIR_UK_IE)
    predict(version, race, (0.5, 0.3, 0.2))
    # 1 at 4.0 returns 4.00: a net win of 3.00, 5% of it kept -> 3.85.
    assert bets_of(run(Strategy(selection="top_pick"), version)) == [
        ("R1C1", "1", Decimal("1.00"), Decimal("3.85"), "final odds, less commission")
    ]


# -- walk-forward ------------------------------------------------------------------------------------------


@pytest.fixture
def two_versions():
    old = ModelVersion.objects.create(
        version="combined-old", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=30)
    )
    new = ModelVersion.objects.create(version="combined-new", kind=ModelKind.COMBINED, trained_until=DAY)
    return old, new


def test_a_race_is_never_bet_with_a_model_trained_on_it(two_versions):
    old, new = two_versions
    today = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=1)
    predict(old, today, (0.5, 0.3, 0.2))
    predict(new, today, (0.2, 0.6, 0.2))  # trained up to the race's day: it may have seen the result
    only_new = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=2)
    predict(new, only_new, (0.6, 0.2, 0.2))
    tomorrow = race_with(final=(3.0, 3.0, 3.0), positions=(3, 2, 1), date=NEXT)
    predict(old, tomorrow, (0.5, 0.3, 0.2))
    predict(new, tomorrow, (0.2, 0.2, 0.6))  # the latest version trained before it
    result = run(Strategy(selection="top_pick"))
    assert [(b["date"], b["race_code"], b["selection"], b["model_version"]) for b in result["bets"]] == [
        (DAY, "R1C1", "1", "combined-old"),
        (NEXT, "R1C1", "3", "combined-new"),
    ]
    assert result["versions"] == {"combined-old": 1, "combined-new": 1}
    # R1C2 today: only the new version predicted it, and it may have seen the result.
    assert result["skipped"] == {
        "no prediction made before the race": 1,
        "of which predicted only by versions trained on the race": 1,
    }


def test_naming_a_version_still_skips_the_races_it_was_trained_on(two_versions):
    _, new = two_versions
    today = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3))
    tomorrow = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), date=NEXT)
    predict(new, today, (0.5, 0.3, 0.2))
    predict(new, tomorrow, (0.5, 0.3, 0.2))
    result = run(Strategy(selection="top_pick", model="combined-new"))
    assert [b["date"] for b in result["bets"]] == [NEXT]
    assert result["skipped"] == {
        "no prediction made before the race": 1,
        "of which predicted only by versions trained on the race": 1,
    }


def test_the_market_baseline_fills_in_where_no_trained_version_predicted(two_versions):
    from predictions.services.scoring import predictions_score

    old, _ = two_versions
    covered = race_with(final=(2.0, 3.0, 6.0), positions=(1, 2, 3), course=1)
    predict(old, covered, (0.2, 0.3, 0.5))
    race_with(final=(2.0, 3.0, 6.0), positions=(1, 2, 3), course=2)
    predictions_score(start=DAY, end=DAY)  # market baseline on both races
    result = run(Strategy(selection="top_pick"))
    assert [(b["race_code"], b["selection"], b["model_version"]) for b in result["bets"]] == [
        ("R1C1", "3", "combined-old"),
        ("R1C2", "1", "market-baseline-1"),
    ]


def test_a_walk_forward_backtest_runs_a_fixed_number_of_queries(two_versions, django_assert_num_queries):
    old, _ = two_versions
    for course in range(1, 3):
        predict(old, race_with(final=(2.0, 3.0, 6.0), positions=(1, 2, 3), course=course), (0.2, 0.3, 0.5))
    with django_assert_num_queries(5):  # runners, published rows, versions, predictions, rapports
        assert run(Strategy(selection="top_pick"))["summary"]["bets"] == 2
    for course in range(3, 9):
        predict(old, race_with(final=(2.0, 3.0, 6.0), positions=(1, 2, 3), course=course), (0.2, 0.3, 0.5))
    with django_assert_num_queries(5):
        assert run(Strategy(selection="top_pick"))["summary"]["bets"] == 8


# -- selections, filters and staking -----------------------------------------------------------------------


def test_value_and_odds_band_selections_and_the_race_filters(version):
    race = race_with(final=(2.0, 4.0, 8.0), positions=(3, 2, 1))
    predict(version, race, (0.45, 0.35, 0.2))  # EV: −0.1, +0.4, +0.6
    other = race_with(final=(2.0, 4.0, 8.0), positions=(3, 2, 1), reunion=2, course=1, racecourse="CHA")
    predict(version, other, (0.45, 0.35, 0.2))
    Race.objects.filter(pk=other.pk).update(is_quinte=True)
    value = run(Strategy(selection="value", edge=0.5, racecourse=("vin",)), version)
    assert [(b["race_code"], b["selection"]) for b in value["bets"]] == [("R1C1", "3")]
    band = run(Strategy(selection="odds_band", min_odds=3.0, max_odds=5.0, quinte_only=True))
    assert [(b["race_code"], b["selection"], b["model_version"]) for b in band["bets"]] == [("R2C1", "2", None)]


@pytest.fixture
def three_races(version):
    """Top picks: a win paying 3.00, a loss, a win paying 2.50 (rapports), odds 3.0 everywhere."""
    outcomes = [
        ((1, 2, 3, 4), {1: "3.00"}, (0.5, 0.2, 0.2, 0.1)),
        ((2, 1, 3, 4), {2: "3.10"}, (0.4, 0.3, 0.2, 0.1)),
        ((1, 2, 3, 4), {1: "2.50"}, (0.3, 0.25, 0.25, 0.2)),
    ]
    for course, (positions, paid, p) in enumerate(outcomes, start=1):
        predict(version, race_with(final=[3.0] * 4, positions=positions, win_rapports=paid, course=course), p)
    return version


def test_flat_stakes(three_races):
    result = run(Strategy(selection="top_pick", stake=Decimal(2)), three_races)
    assert [(b["stake"], b["return"], b["bankroll"]) for b in result["bets"]] == [
        (2, Decimal("6.00"), Decimal("104.00")),
        (2, 0, Decimal("102.00")),
        (2, Decimal("5.00"), Decimal("105.00")),
    ]


def test_percent_stakes_follow_the_bankroll(three_races):
    result = run(Strategy(selection="top_pick", staking="percent", fraction=0.1), three_races)
    # 10 of 100 -> 30 (120); 12 of 120 lost (108); 10.80 of 108 at 2.50 -> 27 (124.20)
    assert [(b["stake"], b["return"], b["bankroll"]) for b in result["bets"]] == [
        (Decimal("10.00"), Decimal("30.00"), Decimal("120.00")),
        (Decimal("12.00"), 0, Decimal("108.00")),
        (Decimal("10.80"), Decimal("27.00"), Decimal("124.20")),
    ]


def test_kelly_stakes_a_fraction_of_the_edge_with_a_cap(three_races):
    result = run(Strategy(selection="top_pick", staking="kelly", fraction=0.5, cap=0.1), three_races)
    # p 0.5 at 3.0: Kelly (1.5 − 1) / 2 = 0.25, half = 0.125, capped at 0.10 -> 10 of 100, returns 30 (120)
    # p 0.4 at 3.0: Kelly 0.1, half = 0.05 -> 6 of 120, lost (114); p 0.3 at 3.0: no edge, no bet
    assert [(b["stake"], b["bankroll"]) for b in result["bets"]] == [
        (Decimal("10.00"), Decimal("120.00")),
        (Decimal("6.00"), Decimal("114.00")),
    ]
    assert result["skipped"]["Kelly stakes nothing (no edge at the odds)"] == 1
    assert result["baselines"]["random"]["bets"] == 2


def test_drawdown_losing_run_and_sharpe_on_a_hand_computed_sequence():
    paid = np.array([300, 0, 0, 0, 250, 0, 0, 100, 0, 0, 400])  # the 8th is a refund
    refunded = np.arange(11) == 7
    summary = summarise(np.full(11, 100), paid, refunded, np.arange(11), 10_000)
    # bankroll 102, 101, 100, 99, 100.5, 99.5, 98.5, 98.5, 97.5, 96.5, 99.5: worst fall 102 -> 96.5
    assert summary["max_drawdown"] == Decimal("5.50")
    assert summary["max_drawdown_pct"] == pytest.approx(5.5 / 102)
    assert summary["longest_losing_run"] == 4  # the refund neither ends nor extends the run
    assert (summary["bets"], summary["refunded"], summary["winners"], summary["hit_rate"]) == (11, 1, 3, 0.3)
    assert (summary["staked"], summary["returned"], summary["final_bankroll"]) == (
        10,
        Decimal("9.50"),
        Decimal("99.50"),
    )
    assert summary["roi"] == pytest.approx(-0.05)
    per_unit = np.array([2, -1, -1, -1, 1.5, -1, -1, -1, -1, 3])
    assert summary["sharpe"] == pytest.approx(per_unit.mean() / per_unit.std(ddof=1))
    low, high = summary["roi_ci95"]
    assert low < -0.05 < high


def test_baselines_bet_the_favourite_and_random_runners_in_the_same_races(version):
    for course, paid in enumerate(("1.90", "2.20"), start=1):
        race = race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3), win_rapports={1: paid}, course=course)
        predict(version, race, (0.2, 0.5, 0.3))  # the model backs saddle 2, which loses
    result = run(Strategy(selection="top_pick"), version)
    favourite, random = result["baselines"]["favourite"], result["baselines"]["random"]
    assert result["summary"]["returned"] == 0
    assert (favourite["bets"], favourite["returned"]) == (2, Decimal("4.10"))
    assert random["bets"] == result["summary"]["bets"] == 2
    assert run(Strategy(selection="top_pick", seed=0), version)["baselines"]["random"] == random  # seeded


def test_equity_curve_follows_every_settled_bet(three_races):
    curve = run(Strategy(selection="top_pick"), three_races)["equity_curve"]
    assert [(point["date"], point["bankroll"]) for point in curve] == [
        (DAY, Decimal("102.00")),
        (DAY, Decimal("101.00")),
        (DAY, Decimal("102.50")),
    ]


# -- jobs through the API ----------------------------------------------------------------------------------


# -- the command -------------------------------------------------------------------------------------------
