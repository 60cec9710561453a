"""The value-bet rule and Kelly stakes."""

import numpy as np
import pytest

from wagering.services.value import expected_value, kelly_fraction, value_bet_mask


def test_expected_value_of_a_one_unit_bet():
    assert expected_value(0.3, 5.0) == pytest.approx(0.5)
    assert expected_value(0.2, 4.0) == pytest.approx(-0.2)


def test_kelly_is_a_quarter_of_the_full_kelly_stake():
    # full Kelly (0.3·5 − 1)/(5 − 1) = 0.125; a quarter of it 0.03125, under the 5% cap
    assert kelly_fraction(0.3, 5.0) == pytest.approx(0.03125)
    assert kelly_fraction(0.3, 5.0, fraction=1.0, cap=1.0) == pytest.approx(0.125)


def test_kelly_is_capped_and_stakes_nothing_without_an_edge():
    # full Kelly (0.5·3 − 1)/2 = 0.25, a quarter 0.0625 -> capped at 0.05
    assert kelly_fraction(0.5, 3.0) == pytest.approx(0.05)
    assert kelly_fraction(0.2, 4.0) == 0.0
    assert kelly_fraction([0.5, np.nan], [1.0, 3.0]).tolist() == [0.0, 0.0]


def test_a_value_bet_beats_its_odds_by_more_than_the_edge_at_the_minimum_odds_or_more():
    p = [0.30, 0.30, 0.60, 0.10, np.nan, 0.5]
    odds = [5.0, 3.0, 1.8, 12.0, 9.0, np.nan]
    # EV: 0.5, -0.1, 0.08 (odds below 2.0), 0.2, unknown, unknown
    assert value_bet_mask(p, odds).tolist() == [True, False, False, True, False, False]
    assert value_bet_mask(p, odds, edge=0.3).tolist() == [True, False, False, False, False, False]
    assert value_bet_mask(p, odds, min_odds=None).tolist() == [True, False, True, True, False, False]
