"""Combination strategies in backtests: the engine's most likely tickets, settled by the race's rapports of the
type, a non-partant's ticket refunded or paid the rapport spécial; on hand-made races and on R1C1's real rapports."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from courses.models import BetType, Dividend, Race, RaceStatus, RunnerStatus
from predictions.services import combinations as engine
from predictions.tests.factories import DAY, model_version, predict, race_with
from wagering.serializers.backtests import StrategySerializer
from wagering.services.backtest import Strategy, backtest

from .factories import R1C1_WIN, market_version, pmu_r1c1

pytestmark = pytest.mark.django_db

WINDOW = {"start": DAY - dt.timedelta(days=5), "end": DAY + dt.timedelta(days=5)}
# Saddles 1, 2 and 3 the model's strongest, in that order (γ = δ = 1: a version without a calibration).
WIN = (0.35, 0.25, 0.15, 0.1, 0.1, 0.05)


def rapports(race: Race, bet_type: str, lines: dict[str, str]) -> None:
    Dividend.objects.bulk_create(
        Dividend(race=race, bet_type=bet_type, combination=combination, amount=Decimal(amount))
        for combination, amount in lines.items()
    )


def combos(bet_type: str, **params) -> Strategy:
    return Strategy(selection="combinations", bet_type=bet_type, **params)


def run(strategy: Strategy, version, **window) -> dict:
    return backtest(strategy=strategy, model_version=version, **{**WINDOW, **window})


def bets_of(result: dict) -> list[tuple]:
    return [(b["race_code"], b["selection"], b["stake"], b["return"], b["settled_by"]) for b in result["bets"]]


@pytest.fixture
def version():
    return model_version("hand-combo-1")


def test_the_top_trio_that_came_in_pays_its_rapport_and_one_that_did_not_loses_its_stake(version):
    came_in = race_with(final=[5.0] * 6, positions=(2, 1, 3, 4, 5, 6), course=1)
    rapports(came_in, BetType.TRIO, {"2-1-3": "45.00"})
    predict(version, came_in, WIN)
    missed = race_with(final=[5.0] * 6, positions=(4, 5, 6, 1, 2, 3), course=2)
    rapports(missed, BetType.TRIO, {"4-5-6": "300.00"})
    predict(version, missed, WIN)

    result = run(combos(BetType.TRIO), version)

    assert bets_of(result) == [
        ("R1C1", "1-2-3", Decimal("1.00"), Decimal("45.00"), "rapport"),
        ("R1C2", "1-2-3", Decimal("1.00"), Decimal("0.00"), "rapport"),
    ]
    expected = engine.combination_probability(np.array(WIN), [0, 1, 2], bet_type="trio")
    assert [bet["probability"] for bet in result["bets"]] == pytest.approx([expected, expected])
    assert [bet["horse"].count(" / ") for bet in result["bets"]] == [2, 2]
    summary = result["summary"]
    assert (summary["bets"], summary["winners"], summary["staked"], summary["returned"]) == (2, 1, 2, 45)
    assert summary["profit"] == 43 and summary["roi"] == pytest.approx(21.5)
    assert result["strategy"]["combination_top_k"] is None and result["strategy"]["bet_type"] == "trio"


def test_a_ticket_with_a_non_partant_is_refunded_where_no_rapport_special_is_published(version):
    scratched = (RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT) + (RunnerStatus.RUNNER,) * 4
    race = race_with(final=[5.0] * 6, positions=(1, None, 2, 3, 4, 5), statuses=scratched)
    # The PMU's "1 NP" line paid 0: no rapport spécial, the ticket is refunded.
    rapports(race, BetType.TRIO, {"1-3-4": "30.00", "1-3-NP": "0"})
    predict(version, race, WIN)  # predicted before saddle 2 was scratched: the punter's trio holds it

    result = run(combos(BetType.TRIO, stake=Decimal(2)), version)

    assert bets_of(result) == [("R1C1", "1-2-3", Decimal("2.00"), Decimal("2.00"), "refund: non-partant")]
    summary = result["summary"]
    assert (summary["bets"], summary["refunded"], summary["staked"], summary["profit"]) == (1, 1, 0, 0)


def test_the_rapport_special_pays_a_ticket_whose_partants_came_in_and_the_others_lose(version):
    scratched = (RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT) + (RunnerStatus.RUNNER,) * 4
    paid = race_with(final=[5.0] * 6, positions=(2, None, 1, 3, 4, 5), statuses=scratched, course=1)
    rapports(paid, BetType.TRIO, {"3-1-4": "30.00", "3-1-NP": "12.50", "1-4-NP": "9.00"})
    predict(version, paid, WIN)
    lost = race_with(final=[5.0] * 6, positions=(4, None, 5, 1, 2, 3), statuses=scratched, course=2)
    rapports(lost, BetType.TRIO, {"4-5-6": "80.00", "4-5-NP": "20.00"})
    predict(version, lost, WIN)

    result = run(combos(BetType.TRIO), version)

    assert bets_of(result) == [
        ("R1C1", "1-2-3", Decimal("1.00"), Decimal("12.50"), "rapport spécial: non-partant"),
        ("R1C2", "1-2-3", Decimal("1.00"), Decimal("0.00"), "rapport spécial: non-partant"),
    ]
    # Transformed, not refunded: both stakes stood.
    assert (result["summary"]["refunded"], result["summary"]["staked"]) == (0, 2)


def test_top_k_and_the_minimum_probability_bet_the_engines_most_likely_tickets(version):
    race = race_with(final=[5.0] * 6, positions=(1, 2, 3, 4, 5, 6))
    rapports(race, BetType.COUPLE_GAGNANT, {"1-2": "4.20"})
    predict(version, race, WIN)
    top = engine.combinations_top(np.array(WIN), bet_type="couple_gagnant", limit=6)
    saddles = ["-".join(str(i + 1) for i in c.runners) for c in top]

    three = run(combos(BetType.COUPLE_GAGNANT, combination_top_k=3), version)
    assert [b["selection"] for b in three["bets"]] == saddles[:3]
    assert [b["probability"] for b in three["bets"]] == pytest.approx([c.probability for c in top[:3]])
    assert [b["return"] for b in three["bets"]] == [Decimal("4.20"), 0, 0]

    threshold = (top[1].probability + top[2].probability) / 2  # the first two only
    over = run(combos(BetType.COUPLE_GAGNANT, combination_min_probability=threshold), version)
    assert [b["selection"] for b in over["bets"]] == saddles[:2]
    both = run(combos(BetType.COUPLE_GAGNANT, combination_top_k=1, combination_min_probability=threshold), version)
    assert [b["selection"] for b in both["bets"]] == saddles[:1]

    none = run(combos(BetType.COUPLE_GAGNANT, combination_min_probability=0.9), version)
    assert none["bets"] == [] and none["skipped"] == {"no couple_gagnant ticket reaches the minimum probability": 1}


def test_an_ordered_type_pays_only_the_order_its_rapport_names(version):
    race = race_with(final=[5.0] * 6, positions=(2, 1, 3, 4, 5, 6))
    rapports(race, BetType.TIERCE_ORDRE, {"2-1-3": "150.00"})
    predict(version, race, WIN)

    result = run(combos(BetType.TIERCE_ORDRE, combination_top_k=2), version)

    # Harville: 1-2-3 (0.0505) then 2-1-3 (0.0438), ahead of 1-3-2 (0.0404).
    assert bets_of(result) == [
        ("R1C1", "1-2-3", Decimal("1.00"), Decimal("0.00"), "rapport"),
        ("R1C1", "2-1-3", Decimal("1.00"), Decimal("150.00"), "rapport"),
    ]


def test_races_that_cannot_have_the_type_are_skipped_and_unrun_ones_left_unsettled(version):
    no_pool = race_with(final=[5.0] * 6, positions=(1, 2, 3, 4, 5, 6), course=1)  # finished, no trio rapports
    predict(version, no_pool, WIN)
    small = race_with(final=[5.0] * 3, course=2, status=RaceStatus.SCHEDULED)
    predict(version, small, (0.5, 0.3, 0.2))
    to_run = race_with(final=[5.0] * 6, course=3, status=RaceStatus.SCHEDULED)
    predict(version, to_run, WIN)

    result = run(combos(BetType.TRIO), version)

    assert result["bets"] == []
    assert [(bet["race_code"], bet["selection"]) for bet in result["unsettled"]] == [("R1C3", "1-2-3")]
    assert result["skipped"] == {
        "no trio rapports (the pool is not offered)": 1,
        "the field is too small for trio": 1,
    }
    assert (result["summary"]["unsettled_bets"], result["summary"]["unsettled_races"]) == (1, 1)


def test_stakes_returns_and_the_bankroll_add_up_bet_by_bet(version):
    for course, positions, line in (
        (1, (1, 2, 3, 4, 5, 6), {"1-2": "4.20"}),
        (2, (3, 1, 2, 4, 5, 6), {"1-3": "7.70"}),
        (3, (5, 6, 1, 2, 3, 4), {"5-6": "90.00"}),
    ):
        race = race_with(final=[5.0] * 6, positions=positions, course=course)
        rapports(race, BetType.COUPLE_GAGNANT, line)
        predict(version, race, WIN)
    strategy = combos(BetType.COUPLE_GAGNANT, combination_top_k=2, staking="percent", fraction=0.1)

    result = run(strategy, version)

    bets, summary = result["bets"], result["summary"]
    assert len(bets) == 6 and summary["races"] == 3
    assert sum(b["stake"] for b in bets) == summary["staked"]
    assert sum(b["return"] for b in bets) == summary["returned"]
    assert summary["profit"] == summary["returned"] - summary["staked"]
    bankroll = Decimal(100)
    for bet in bets:
        assert bet["profit"] == bet["return"] - bet["stake"]
        bankroll += bet["profit"]
        assert bet["bankroll"] == bankroll
    assert result["equity_curve"][-1]["bankroll"] == summary["final_bankroll"] == bankroll
    # Two tickets of one race share the bankroll the previous race left: 10% of it each.
    assert bets[0]["stake"] == bets[1]["stake"] == Decimal("10.00")
    assert set(result["baselines"]) == {"favourite", "random"}


@pytest.mark.parametrize(
    "bet_type, selection, paid",
    [
        (BetType.COUPLE_GAGNANT, "3-7", "13.20"),
        (BetType.COUPLE_PLACE, "3-7", "5.80"),
        (BetType.DEUX_SUR_QUATRE, "3-7", "5.00"),
        (BetType.TRIO, "3-7-9", "36.10"),
        (BetType.MULTI, "3-7-9-13", "462.00"),  # a multi en 4: its own line, not the multi en 5's 92.40
    ],
)
def test_on_r1c1_the_top_ticket_of_each_type_is_paid_what_the_pmu_paid(data_dir, bet_type, selection, paid):
    pmu_r1c1(data_dir)
    result = run(combos(bet_type), market_version())
    assert bets_of(result) == [("R1C1", selection, Decimal("1.00"), Decimal(paid), "rapport")]
    win = np.array(R1C1_WIN) / sum(R1C1_WIN)
    runners = [int(s) - 1 for s in selection.split("-")]
    expected = engine.combination_probability(win, runners, bet_type=bet_type)
    assert result["bets"][0]["probability"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"selection": "combinations"}, "bet_type"),  # simple_gagnant is no combination
        ({"selection": "combinations", "bet_type": "pick5"}, "bet_type"),
        ({"selection": "top_pick", "combination_top_k": 2}, "combination_top_k"),
        ({"selection": "value", "combination_min_probability": 0.1}, "combination_min_probability"),
        ({"selection": "value", "bet_type": "tierce_ordre"}, "bet_type"),
        ({"selection": "value", "bet_type": "trio"}, "bet_type"),
        ({"selection": "combinations", "bet_type": "trio", "min_odds": 2}, "min_odds"),
        ({"selection": "combinations", "bet_type": "trio", "combination_top_k": 0}, "combination_top_k"),
        ({"selection": "combinations", "bet_type": "trio", "combination_top_k": 101}, "combination_top_k"),
        (
            {"selection": "combinations", "bet_type": "trio", "combination_min_probability": 1.5},
            "combination_min_probability",
        ),
        ({"selection": "combinations", "bet_type": "trio", "staking": "kelly"}, "staking"),
    ],
)
def test_the_strategy_refuses_combination_parameters_that_do_not_go_together(body, field):
    serializer = StrategySerializer(data=body)
    assert not serializer.is_valid()
    assert field in serializer.errors


def test_a_combination_strategy_is_stored_and_read_back_with_its_parameters():
    serializer = StrategySerializer(
        data={"selection": "combinations", "bet_type": "quinte_desordre", "combination_top_k": 5}
    )
    assert serializer.is_valid(), serializer.errors
    strategy = serializer.strategy()
    assert (strategy.legs, strategy.tickets_per_race, strategy.combined) == (5, 5, True)
    assert Strategy.from_params(strategy.as_params()) == strategy
    assert Strategy.from_params({"selection": "value"}).combination_top_k is None  # a job stored before


def test_the_command_backtests_a_combination_strategy_and_writes_its_tickets(data_dir, tmp_path):
    pmu_r1c1(data_dir)
    out, path = io.StringIO(), tmp_path / "tickets.csv"
    call_command(
        "backtest",
        *("--strategy", "combinations", "--bet-type", "trio", "--combination-top-k", "2", "--model", "market"),
        *("--start", "2025-11-01", "--end", "2025-11-30", "--csv", str(path), "--no-progress"),
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert (report["strategy"]["combination_top_k"], report["summary"]["bets"]) == (2, 2)
    assert report["summary"]["returned"] == 36.1
    rows = list(csv.DictReader(path.open()))
    assert [(row["selection"], row["return"]) for row in rows] == [("3-7-9", "36.10"), ("3-7-13", "0.00")]
    with pytest.raises(CommandError, match="--combination-top-k"):
        call_command(
            "backtest",
            "--strategy",
            "top_pick",
            "--combination-top-k",
            "2",
            "--start",
            "2025-11-01",
            "--end",
            "2025-11-30",
            "--no-progress",
        )
