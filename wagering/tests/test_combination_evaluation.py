"""The finishing-order evaluation of docs/MODEL.md on races with a known answer: no database."""

import numpy as np
import pytest

from predictions.services.combinations import sample_orders
from predictions.services.probability import harville_strengths
from wagering.services.evaluation import DATASETS, Refits
from wagering.services.evaluation.combinations import (
    EVENTS,
    event_probabilities,
    finishing_order_evaluation,
    finishing_order_section,
    race_arrival,
)
from wagering.services.model_scores import Scored


def test_the_arrival_groups_dead_heats_and_leaves_out_unclassified_runners():
    assert race_arrival(np.array([2.0, 1.0, np.nan, 2.0, 0.0, 4.0])) == [[1], [0, 3], [5]]


def test_harville_prices_what_came_in_by_hand():
    win = np.array([0.5, 0.3, 0.2])
    got = event_probabilities(win, [[0], [1], [2]], gamma=1.0, delta=1.0, method="harville")
    pair = 0.5 * 0.3 / 0.5  # 0 then 1
    swapped = 0.3 * 0.5 / 0.7  # 1 then 0
    assert got[:3] == pytest.approx([pair + swapped, pair, pair])
    assert np.isnan(got[3])  # three runners have no first four


def test_a_dead_heat_counts_every_order_it_allows():
    win = np.array([0.5, 0.3, 0.2])
    got = event_probabilities(win, [[0, 1], [2]], gamma=1.0, delta=1.0, method="harville")
    assert got[1] == pytest.approx(0.5 * 0.3 / 0.5 + 0.3 * 0.5 / 0.7)
    # Too few classified for the first three.
    assert np.isnan(event_probabilities(win, [[0], [1]], gamma=1.0, delta=1.0, method="harville")[2])


def test_sampling_prices_near_the_exact_figure():
    win = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04])
    exact = event_probabilities(win, [[1], [0], [2], [3]], gamma=0.8, delta=0.7, method="harville")
    sampled = event_probabilities(
        win, [[1], [0], [2], [3]], gamma=0.8, delta=0.7, method="plackett_luce", samples=100_000
    )
    assert sampled == pytest.approx(exact, rel=0.05)


def _refits(n_races=300, field=8, seed=0):
    """Races whose orders are drawn from Harville on ``truth``; the "market" is a flat guess."""
    rng = np.random.default_rng(seed)
    race_id, truth, flat, positions = [], [], [], []
    for r in range(n_races):
        p = rng.dirichlet(np.full(field, 0.8))
        order = sample_orders(harville_strengths(p, field), samples=1, seed=seed * 10_000 + r)[0]
        position = np.empty(field)
        position[order] = np.arange(1, field + 1)
        race_id += [r] * field
        truth.append(p)
        flat.append(np.full(field, 1 / field))
        positions.append(position)
    positions = np.concatenate(positions)
    scored = Scored(
        race_id=np.array(race_id),
        saddle=np.tile(np.arange(1, field + 1), n_races),
        won=(positions == 1).astype(float),
        odds=np.full(positions.size, 5.0),
        payout=np.zeros(positions.size),
        probabilities={"combined": np.concatenate(truth), "market": np.concatenate(flat)},
    )
    ones = np.ones(positions.size)
    return Refits(DATASETS["hkjc"], scored, [], 0.0, n_races, positions, ones, ones)


def test_the_true_order_model_beats_a_flat_market_beyond_the_noise():
    result = _refits()
    evaluation = finishing_order_evaluation(result, samples=20_000)
    assert evaluation["races"] == 300
    for event in evaluation["events"]:
        assert event["races"] == 300
        for key in ("harville", "harville_plain"):
            assert event["models"][key]["vs_market"]["ci95"][1] < 0
    # γ = δ = 1 in these refits: the fitted and the plain Harville are the same model.
    first_four = evaluation["events"][3]["models"]
    assert first_four["harville"]["log_loss"] == pytest.approx(first_four["harville_plain"]["log_loss"])
    # Sampling the same model costs little on the first two; never more than noise plus the orders missed.
    assert abs(evaluation["events"][0]["sampled_vs_exact"]["mean"]) < 0.02
    section = "\n".join(finishing_order_section(result, evaluation))
    assert all(event.label in section for event in EVENTS)


def test_a_data_set_without_finishing_orders_says_so():
    result = _refits(n_races=3)
    result.positions = None
    assert finishing_order_evaluation(result) is None
    assert "winner only" in "\n".join(finishing_order_section(result, None))
    result.positions = np.where(result.scored.won > 0, 1.0, np.nan)  # Betfair: the winner alone
    assert finishing_order_evaluation(result) is None
