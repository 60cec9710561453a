"""Reads of what bets pay: value bets, the reference backtest and the metrics, against hand-computed values."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Race, RaceStatus, RunnerStatus
from predictions.models import Prediction
from predictions.services.scoring import predictions_score
from predictions.tests.factories import DAY, live_day, live_race, model_version, predict, race_with
from wagering.selectors import backtest_run, metrics_by_month, metrics_compute, value_bet_list
from wagering.services.settlement import NO_RESULT
from wagering.services.value import value_bet_mask

pytestmark = pytest.mark.django_db

NEXT = DAY + dt.timedelta(days=1)


def test_with_no_active_version_there_is_nothing_to_bet_on():
    race_with(positions=[1, 2, 3])
    assert value_bet_list(day=DAY) == []
    assert metrics_compute(start=DAY, end=DAY)["model"] is None
    assert backtest_run(start=DAY, end=DAY)["summary"]["bets"] == 0


def test_the_market_baseline_finds_no_value_in_the_odds_it_was_computed_from():
    # Σ 1/odds > 1 in every race: p × odds = 1 / Σ(1/odds) < 1, so EV < 0 for every runner.
    race_with(final=[1.6, 3.2, 8.0])
    race_with(final=None, morning=[2.0, 3.0, 5.0], course=2, status=RaceStatus.SCHEDULED)
    predictions_score(start=DAY, end=DAY)
    assert Prediction.objects.count() == 6  # every runner is priced, none at a positive EV
    assert value_bet_list(day=DAY, min_odds=1.0) == []


def test_value_bets_with_their_expected_value_and_quarter_kelly_stake():
    version = model_version()
    race = live_race(final=None, morning=[2.0, 4.0, 6.0])
    # saddle 1: 0.55 × 2 − 1 = 0.10; saddle 2: 0.3 × 4 − 1 = 0.2; saddle 3: 0.15 × 6 − 1 = −0.1
    predict(version, race, [0.55, 0.3, 0.15])
    bets = value_bet_list(day=live_day(), model_version=version)
    assert [b["saddle_number"] for b in bets] == [2, 1]  # best expected value first
    bet = bets[0]
    assert bet["odds"] == Decimal("4.00") and bet["win_probability"] == pytest.approx(0.3)
    assert bet["expected_value"] == pytest.approx(0.2)
    # full Kelly 0.2 / 3 = 0.0667, a quarter 0.016667 of a 100-unit bankroll: 1.66 (rounded down)
    assert bet["kelly_fraction"] == pytest.approx(0.2 / 3 / 4)
    assert bet["stake"] == Decimal("1.66")
    assert bets[1]["kelly_fraction"] == pytest.approx(0.025)  # (0.1 / 1) / 4
    assert (bet["race_code"], bet["racecourse"]) == ("R1C1", "Hippodrome VIN")


def test_a_value_bet_whose_stake_rounds_to_nothing_is_not_listed():
    version = model_version()
    race = live_race(final=None, morning=[5.0, 4.0, 2.5])
    # saddle 1: 0.2001 × 5 − 1 = 0.0005, a quarter Kelly of 0.0005 / 4 / 4 = 0.00003 of 100: 0.003, i.e. 0.00
    predict(version, race, [0.2001, 0.3, 0.4999])
    bets = value_bet_list(day=live_day(), model_version=version)
    assert value_bet_mask([0.2001], [5.0]).tolist() == [True]  # a value bet by the rule, with nothing to stake
    assert [(b["saddle_number"], b["stake"]) for b in bets] == [(3, Decimal("4.16")), (2, Decimal("1.66"))]


def test_value_bets_respect_the_minimum_odds_and_the_edge():
    version = model_version()
    race, day = live_race(final=[1.8, 4.0, 6.0]), live_day()
    predict(version, race, [0.6, 0.3, 0.1])  # EV 0.08 at 1.8, 0.2 at 4.0
    assert [b["saddle_number"] for b in value_bet_list(day=day, model_version=version)] == [2]
    assert len(value_bet_list(day=day, model_version=version, min_odds=1.5)) == 2
    assert value_bet_list(day=day, model_version=version, edge=0.25) == []


def test_value_bets_skip_non_partants():
    version = model_version()
    race = live_race(final=[4.0, 4.0, 2.0], statuses=[RunnerStatus.NON_PARTANT] + [RunnerStatus.RUNNER] * 2)
    predict(version, race, [0.5, 0.3, 0.2])  # a stale row on a runner scratched since
    assert [b["saddle_number"] for b in value_bet_list(day=live_day(), model_version=version)] == [2]


def test_value_bets_leave_out_the_races_that_have_gone_off():
    version = model_version()
    now = timezone.now()
    run = live_race(final=[4.0, 4.0, 2.0], start_time=now + dt.timedelta(minutes=10))
    later = live_race(final=[4.0, 4.0, 2.0], course=2, start_time=now + dt.timedelta(hours=2))
    predict(version, run, [0.5, 0.3, 0.2])
    predict(version, later, [0.5, 0.3, 0.2])
    before = value_bet_list(day=live_day(), model_version=version, now=now)
    assert {b["race_id"] for b in before} == {run.pk, later.pk}
    after_the_off = value_bet_list(day=live_day(), model_version=version, now=now + dt.timedelta(minutes=10))
    assert after_the_off == [b for b in before if b["race_id"] == later.pk] and after_the_off
    Race.objects.filter(pk=later.pk).update(status=RaceStatus.RUNNING)  # the feed says it runs, whatever the clock
    assert value_bet_list(day=live_day(), model_version=version, now=now) == [
        b for b in before if b["race_id"] == run.pk
    ]


@pytest.fixture
def season():
    """Six races, one value bet each, whose settlement was computed by hand (see the test)."""
    version = model_version()
    odds = [2.0, 4.0, 6.0]
    races = [
        # win, paid by its rapport (3.50), not by its final odds (4.0)
        (race_with(final=odds, course=1, positions=[2, 1, 3], win_rapports={2: "3.50"}), [0.4, 0.5, 0.1]),
        # loses; no rapports, the result is the positions
        (race_with(final=odds, course=2, positions=[1, 2, 3]), [0.4, 0.1, 0.5]),
        # loses at odds of exactly the minimum (2.0); another horse's rapport
        (race_with(final=odds, course=3, positions=[3, 1, 2], win_rapports={2: "4.20"}), [0.6, 0.24, 0.16]),
        # dead heat for first, each winner paid its split rapport: saddle 2 pays 2.40
        (race_with(final=odds, course=4, positions=[1, 1, 3], win_rapports={1: "1.80", 2: "2.40"}), [0.45, 0.4, 0.15]),
        # dead heat with no rapports: final odds 6.0 shared by 2 winners -> 3.00
        (race_with(final=[6.0, 4.0, 2.0], course=5, positions=[1, 1, 3]), [0.3, 0.22, 0.48]),
        # not run yet: no result, not settled
        (race_with(final=None, morning=odds, course=6, status=RaceStatus.SCHEDULED), [0.4, 0.5, 0.1]),
    ]
    for race, probabilities in races:
        predict(version, race, probabilities)
    return version


def test_the_backtest_settles_each_bet_with_the_rapports(season):
    result = backtest_run(start=DAY, end=DAY, model_version=season)
    bets = [
        (b["race_code"], b["saddle_number"], b["odds"], b["return"], b["profit"], b["bankroll"]) for b in result["bets"]
    ]
    assert bets == [
        ("R1C1", 2, Decimal("4.00"), Decimal("3.50"), Decimal("2.50"), Decimal("102.50")),
        ("R1C2", 3, Decimal("6.00"), Decimal("0"), Decimal("-1"), Decimal("101.50")),
        ("R1C3", 1, Decimal("2.00"), Decimal("0"), Decimal("-1"), Decimal("100.50")),
        ("R1C4", 2, Decimal("4.00"), Decimal("2.40"), Decimal("1.40"), Decimal("101.90")),
        ("R1C5", 1, Decimal("6.00"), Decimal("3.00"), Decimal("2.00"), Decimal("103.90")),
    ]
    assert result["bets"][0]["probability"] == pytest.approx(0.5)
    assert result["bets"][0]["date"] == DAY and result["bets"][0]["horse"].startswith("Horse")


def test_the_backtest_summary_and_what_it_could_not_settle(season):
    result = backtest_run(start=DAY, end=DAY, model_version=season)
    summary = result["summary"]
    assert (summary["bets"], summary["winners"], summary["hit_rate"]) == (5, 3, pytest.approx(0.6))
    assert (summary["staked"], summary["returned"], summary["profit"]) == (Decimal(5), Decimal("8.90"), Decimal("3.90"))
    assert summary["roi"] == pytest.approx(0.78)
    assert summary["max_drawdown"] == Decimal("2.00")  # 102.50 down to 100.50
    assert summary["final_bankroll"] == Decimal("103.90")
    low, high = summary["roi_ci95"]
    assert low <= 0.78 <= high
    assert (summary["unsettled_bets"], summary["unsettled_races"]) == (1, 1)
    assert [(u["race_code"], u["saddle_number"], u["reason"]) for u in result["unsettled"]] == [("R1C6", 2, NO_RESULT)]


def test_the_backtest_stake_scales_returns(season):
    summary = backtest_run(start=DAY, end=DAY, model_version=season, stake=2, min_odds=2.5)["summary"]
    # R1C3's bet at 2.0 is gone: 4 bets of 2 returning 2 × (3.50 + 2.40 + 3.00)
    assert (summary["bets"], summary["staked"], summary["returned"]) == (4, Decimal(8), Decimal("17.80"))


@pytest.fixture
def finished_day():
    """Three finished races, market-scored; hand values in the test."""
    races = [
        race_with(final=[2.0, 4.0, 4.0], course=1, positions=[2, 1, 3], win_rapports={2: "4.10"}),
        race_with(final=[1.6, 3.2, 8.0], course=2, positions=[1, 2, 3]),
        race_with(final=[3.0, 3.0, 3.0], course=3, positions=[1, 1, 3]),
    ]
    predictions_score(start=DAY, end=DAY)
    return races


def test_metrics_of_the_market_baseline_against_hand_computed_values(finished_day):
    # race 1: p(winner) = 1/4; race 2: 10/17; race 3 (dead heat of two at 1/3): y = ½ each, −ln(1/3)
    log_loss = (math.log(4) + math.log(1.7) + math.log(3)) / 3
    # Brier: .25 + .5625 + .0625; (7/17)² + (5/17)² + (2/17)²; 2 × (1/3 − 1/2)² + (1/3)²
    brier = (0.875 + 78 / 289 + 1 / 6) / 3
    # top pick: race 1 lost, race 2 won, race 3 saddle 1 shares the win: ½
    top1 = (0 + 1 + 0.5) / 3
    result = metrics_compute(start=DAY, end=DAY)
    assert result["races"] == 3 and result["races_skipped"] == {}
    for side in ("model", "market"):
        assert result[side]["log_loss"] == pytest.approx(log_loss)
        assert result[side]["brier"] == pytest.approx(brier)
        assert result[side]["top1_accuracy"] == pytest.approx(top1)
        assert result[side]["value_bets"]["bets"] == 0
        assert result[side]["value_bets"]["roi"] is None
    assert result["uniform_log_loss"] == pytest.approx(math.log(3))
    assert result["model"]["pseudo_r2"] == pytest.approx(1 - log_loss / math.log(3))


def test_metrics_of_another_model_beside_the_market_on_the_same_races(finished_day):
    version = model_version()
    race1, race2, race3 = finished_day
    predict(version, race1, [0.2, 0.6, 0.2])  # value bet on saddle 2 at 4.0: rapport 4.10
    predict(version, race2, [0.5, 0.3, 0.2])  # value bets: saddle 3 at 8.0 (EV 0.6) loses; 0.3 × 3.2 < 1
    predict(version, race3, [0.5, 0.25, 0.25])  # value bet: saddle 1 at 3.0, dead heat, no rapport -> 1.50
    result = metrics_compute(start=DAY, end=DAY, model_version=version)
    assert result["model"]["log_loss"] == pytest.approx(
        (-math.log(0.6) - math.log(0.5) - 0.5 * (math.log(0.5) + math.log(0.25))) / 3
    )
    assert result["model"]["top1_accuracy"] == pytest.approx((1 + 1 + 0.5) / 3)
    bets = result["model"]["value_bets"]
    assert (bets["bets"], bets["winners"], bets["returned"]) == (3, 2, Decimal("5.60"))
    assert bets["roi"] == pytest.approx((5.60 - 3) / 3)
    assert result["market"]["log_loss"] == pytest.approx((math.log(4) + math.log(1.7) + math.log(3)) / 3)


def test_metrics_leave_out_races_without_a_result_or_without_full_coverage(finished_day):
    race_with(final=[2.0, 2.0], course=4)  # finished, but no winner recorded
    race_with(final=[2.0, 2.0], course=5, positions=[1, 2], status=RaceStatus.SCHEDULED)  # not finished
    predictions_score(start=DAY, end=DAY)
    race_with(final=[2.0, 2.0], course=6, positions=[1, 2])  # finished, never predicted
    result = metrics_compute(start=DAY, end=DAY)
    assert result["races"] == 3
    assert result["races_skipped"] == {"no winner recorded": 1, "no prediction made before the race": 1}


@pytest.mark.parametrize("n_races", [1, 7])
def test_every_selector_runs_a_fixed_number_of_queries(django_assert_num_queries, n_races):
    version = model_version(active=True)
    version.trained_until = DAY - dt.timedelta(days=1)  # the walk-forward rule picks it: every query runs
    version.save()
    for c in range(1, n_races + 1):
        race = race_with(final=[2.0, 4.0, 6.0, 8.0], course=c, positions=[1, 2, 3, 4], win_rapports={1: "2.10"})
        predict(version, race, [0.4, 0.3, 0.2, 0.1])  # EV 0.2 at 4.0 and at 6.0: two value bets a race
        predict(version, live_race(final=[2.0, 4.0, 6.0, 8.0], course=c), [0.4, 0.3, 0.2, 0.1])
    with django_assert_num_queries(1):
        assert len(value_bet_list(day=live_day(), model_version=version)) == 2 * n_races
    with django_assert_num_queries(2):
        assert backtest_run(start=DAY, end=DAY, model_version=version)["summary"]["bets"] == 2 * n_races
    with django_assert_num_queries(2):
        assert metrics_compute(start=DAY, end=DAY, model_version=version)["races"] == n_races
    # Each race with the prediction made before it: + the published rows, the versions, their predictions.
    with django_assert_num_queries(5):
        assert metrics_compute(start=DAY, end=DAY)["races"] == n_races
    with django_assert_num_queries(5):
        assert backtest_run(start=DAY, end=DAY)["summary"]["bets"] == 2 * n_races


def test_metrics_by_month_split_the_windows_figures_and_its_calibration_counts_every_runner(finished_day):
    later = DAY + dt.timedelta(days=30)  # December
    race_with(final=[1.5, 5.0, 9.0, 12.0], course=1, positions=[3, 1, 2, 4], date=later)
    race_with(final=[2.0, 2.0], course=4, date=later)  # no winner recorded: left out, and said
    predictions_score(start=later, end=later)
    result = metrics_by_month(start=DAY, end=later)
    november, december = result["months"]
    assert (november["month"], november["races"]) == (dt.date(2025, 11, 1), 3)
    assert (december["month"], december["races"]) == (dt.date(2025, 12, 1), 1)
    for month, (start, end) in ((november, (DAY, DAY)), (december, (later, later))):
        alone = metrics_compute(start=start, end=end)
        for side in ("model", "market"):
            assert month[side]["log_loss"] == pytest.approx(alone[side]["log_loss"])
            assert month[side]["brier"] == pytest.approx(alone[side]["brier"])
    assert result["races"] == 4 and result["races_skipped"] == {"no winner recorded": 1}
    assert result["runners"] == 3 + 3 + 3 + 4 == sum(b["count"] for b in result["calibration"])
    finished = Race.objects.filter(status=RaceStatus.FINISHED)
    assert result["sources"] == sorted(set(finished.values_list("source", flat=True)))


@pytest.mark.parametrize("n_races", [1, 7])
def test_metrics_by_month_run_a_fixed_number_of_queries(django_assert_num_queries, n_races):
    for c in range(1, n_races + 1):
        race_with(final=[2.0, 4.0, 6.0], course=c, positions=[1, 2, 3])
        race_with(final=[2.0, 4.0, 6.0], course=c, positions=[1, 2, 3], date=DAY + dt.timedelta(days=30))
    predictions_score(start=DAY, end=DAY + dt.timedelta(days=30))
    with django_assert_num_queries(5):
        assert metrics_by_month(start=DAY, end=DAY + dt.timedelta(days=30))["races"] == 2 * n_races
