"""The probability arithmetic against hand-computed races: no database."""

from decimal import Decimal

import numpy as np
import pytest

from predictions.services.probability import (
    harville_place_probabilities,
    market_probabilities,
    normalise_within_races,
    places_paid,
    rank_within_races,
)


def test_market_probabilities_remove_the_takeout():
    # 1/1.6 + 1/3.2 + 1/8 = 0.625 + 0.3125 + 0.125 = 1.0625 (a 6.25% overround)
    p = market_probabilities([Decimal("1.6"), Decimal("3.2"), Decimal("8")])
    assert p == pytest.approx([10 / 17, 5 / 17, 2 / 17])
    assert p.sum() == pytest.approx(1.0)


def test_market_probabilities_sum_to_one_in_each_race_of_a_batch():
    odds = [2.0, 4.0, 4.0, 1.6, 3.2, 8.0, 3.0, 3.0, 3.0]
    races = [7, 7, 7, 3, 3, 3, 9, 9, 9]
    p = market_probabilities(odds, groups=races)
    assert p[:3] == pytest.approx([0.5, 0.25, 0.25])
    assert p[3:6] == pytest.approx([10 / 17, 5 / 17, 2 / 17])
    assert p[6:] == pytest.approx([1 / 3] * 3)


def test_a_race_with_partial_odds_has_no_market_view_and_leaves_the_others_alone():
    p = market_probabilities([2.0, None, 4.0, 2.0, 2.0], groups=[1, 1, 1, 2, 2])
    assert np.isnan(p[:3]).all()
    assert p[3:] == pytest.approx([0.5, 0.5])


def test_odds_below_one_are_treated_as_missing():
    assert np.isnan(market_probabilities([0.5, 2.0])).all()


def test_harville_two_places_on_a_three_runner_race():
    # P(i in first two) = p_i + Σ_j p_j p_i / (1 - p_j)
    # A: 1/2 + (0.3·0.5)/0.7 + (0.2·0.5)/0.8 = 1/2 + 3/14 + 1/8 = 47/56
    # B: 0.3 + (0.5·0.3)/0.5 + (0.2·0.3)/0.8 = 0.3 + 0.3 + 0.075 = 27/40
    # C: 0.2 + (0.5·0.2)/0.5 + (0.3·0.2)/0.7 = 0.2 + 0.2 + 3/35 = 17/35
    place = harville_place_probabilities([0.5, 0.3, 0.2], 2)
    assert place == pytest.approx([47 / 56, 27 / 40, 17 / 35])
    assert place.sum() == pytest.approx(2.0)


def test_harville_three_places_on_a_four_runner_race():
    # D misses the first three exactly when A, B, C fill them, in any of six orders:
    # ABC .4·(.3/.6)·(.2/.3) = .133333   ACB .4·(.2/.6)·(.3/.4) = .1
    # BAC .3·(.4/.7)·(.2/.3) = .114286   BCA .3·(.2/.7)·(.4/.5) = .068571
    # CAB .2·(.4/.8)·(.3/.4) = .075      CBA .2·(.3/.8)·(.4/.5) = .06
    d_fourth = 0.4 * 0.5 * (2 / 3) + 0.4 * (1 / 3) * 0.75 + 0.3 * (4 / 7) * (2 / 3) + 0.3 * (2 / 7) * 0.8 + 0.075 + 0.06
    place = harville_place_probabilities([0.4, 0.3, 0.2, 0.1], 3)
    assert place[3] == pytest.approx(1 - d_fourth)
    assert place[3] == pytest.approx(0.4488095, abs=1e-7)
    assert place.sum() == pytest.approx(3.0)


def test_harville_batch_matches_each_race_on_its_own_with_per_race_places():
    rng = np.random.default_rng(7)
    races = [rng.dirichlet(np.ones(n)) for n in (3, 5, 9, 12, 2)]
    places = [places_paid(len(p)) for p in races]
    together = harville_place_probabilities(
        np.concatenate(races),
        np.concatenate([[k] * len(p) for k, p in zip(places, races, strict=True)]),
        groups=np.concatenate([[i] * len(p) for i, p in enumerate(races)]),
    )
    alone = np.concatenate([harville_place_probabilities(p, k) for k, p in zip(places, races, strict=True)])
    assert together == pytest.approx(alone)
    assert together[-2:] == pytest.approx(races[-1])  # two runners: one place paid, place = win


def test_harville_one_place_is_the_win_probability_and_a_full_field_is_certain():
    assert harville_place_probabilities([0.6, 0.4], 1) == pytest.approx([0.6, 0.4])
    assert harville_place_probabilities([0.5, 0.3, 0.2], 3) == pytest.approx([1.0, 1.0, 1.0])


def test_harville_refuses_more_than_three_places():
    with pytest.raises(ValueError, match="1, 2 or 3"):
        harville_place_probabilities([0.5, 0.5], 4)


@pytest.mark.parametrize(("runners", "paid"), [(1, 1), (3, 1), (4, 2), (7, 2), (8, 3), (16, 3)])
def test_places_paid_follow_the_field_size(runners, paid):
    assert places_paid(runners) == paid


def test_normalisation_and_ranks_are_per_race():
    assert normalise_within_races([1, 3, 2, 2], groups=[1, 1, 2, 2]) == pytest.approx([0.25, 0.75, 0.5, 0.5])
    # equal probabilities: the lower saddle number ranks first
    assert rank_within_races([0.2, 0.5, 0.5, 0.1], groups=[1, 1, 1, 2], tiebreak=[3, 2, 1, 1]).tolist() == [3, 2, 1, 1]


def test_benters_correction_on_a_three_runner_race():
    # Second place is drawn from q = p^γ renormalised, γ = 0.5: q ∝ (√.5, √.3, √.2).
    # P(i in the first two) = p_i + Σ_j p_j q_i / (1 − q_j)
    s = 0.5**0.5 + 0.3**0.5 + 0.2**0.5
    qa, qb, qc = 0.5**0.5 / s, 0.3**0.5 / s, 0.2**0.5 / s  # 0.41545, 0.32180, 0.26275
    expected = [
        0.5 + 0.3 * qa / (1 - qb) + 0.2 * qa / (1 - qc),  # 0.79647
        0.3 + 0.5 * qb / (1 - qa) + 0.2 * qb / (1 - qc),  # 0.66265
        0.2 + 0.5 * qc / (1 - qa) + 0.3 * qc / (1 - qb),  # 0.54088
    ]
    place = harville_place_probabilities([0.5, 0.3, 0.2], 2, gamma=0.5)
    assert place == pytest.approx(expected)
    assert place.sum() == pytest.approx(2.0)
    # The favourite's place chance drops below plain Harville's 47/56, the outsider's rises above 17/35.
    assert place[0] < 47 / 56 and place[2] > 17 / 35


def test_benters_correction_for_three_places_matches_every_ordering():
    p = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
    gamma, delta = 0.81, 0.65
    q, r = p**gamma / (p**gamma).sum(), p**delta / (p**delta).sum()
    expected = np.zeros(5)
    for i in range(5):
        for j in range(5):
            for k in range(5):
                if len({i, j, k}) == 3:
                    chance = p[i] * q[j] / (1 - q[i]) * r[k] / (1 - r[i] - r[j])
                    expected[[i, j, k]] += chance
    place = harville_place_probabilities(p, 3, gamma=gamma, delta=delta)
    assert place == pytest.approx(expected)
    assert place.sum() == pytest.approx(3.0)


def test_benters_correction_with_exponents_of_one_is_plain_harville():
    p, races = [0.5, 0.3, 0.2, 0.4, 0.3, 0.2, 0.1], [1, 1, 1, 2, 2, 2, 2]
    assert harville_place_probabilities(p, 3, races, gamma=1.0, delta=1.0) == pytest.approx(
        harville_place_probabilities(p, 3, races)
    )
