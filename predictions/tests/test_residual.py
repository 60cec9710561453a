"""The residual model: a booster on top of the market's log probabilities, and its gate."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from predictions.services.metrics import race_log_loss
from predictions.services.races import Races
from predictions.services.training import TrainingData
from predictions.services.training.residual import (
    RESIDUAL_PARAMS,
    ResidualModel,
    market_margin,
    residual_fit,
    residual_matrix,
)


def _races(rng, *, n_races: int, size: int = 8, bias: float) -> TrainingData:
    """True strengths, finishing orders drawn from them (Plackett–Luce), and a market that quotes
    p_true^(1/bias) normalised: bias > 1 is the favourite–longshot bias (longshots overbet)."""
    race_id = np.repeat(np.arange(n_races), size)
    races = Races.of(race_id)
    strength = rng.normal(scale=1.0, size=race_id.size)
    order = np.lexsort((-(strength + rng.gumbel(size=race_id.size)), race_id))
    position = np.empty(race_id.size)
    position[order] = np.arange(race_id.size) - np.repeat(races.starts, size) + 1
    market = races.softmax(strength / bias)
    return TrainingData(
        matrix=np.full((race_id.size, 1), size, dtype=np.float32),  # the field size
        race_id=race_id,
        day=race_id // 10,
        position=position,
        won=(position == 1).astype(float),
        market=market,
    )


def test_a_booster_without_trees_returns_exactly_the_markets_probabilities():
    data = _races(np.random.default_rng(1), n_races=50, bias=1.0)
    races = data.races
    matrix = residual_matrix(data.market, data.matrix, races)
    dtrain = xgb.DMatrix(matrix)
    dtrain.set_base_margin(market_margin(data.market, races))
    bare = xgb.train({**RESIDUAL_PARAMS, "nthread": 1}, dtrain, 0)
    for model in (ResidualModel(bare, ["field_size"]), ResidualModel(None, ["field_size"])):
        assert model.win(matrix, data.market, races) == pytest.approx(data.market, rel=1e-6, abs=1e-9)


def test_the_residual_inputs_rank_each_runner_in_its_races_market():
    races = Races.of(np.array([1, 1, 1, 2, 2]))
    market = np.array([0.2, 0.5, 0.3, np.nan, 1.0])
    matrix = residual_matrix(market, np.zeros((5, 0)), races)
    assert matrix[:, 1][[0, 1, 2, 4]].tolist() == [3, 1, 2, 1] and np.isnan(matrix[3, 1])
    assert matrix[:, 0][:3] == pytest.approx(np.log([0.2, 0.5, 0.3]))


def test_the_corrections_undo_a_favourite_longshot_bias_and_pass_the_gate():
    rng = np.random.default_rng(2)
    model = residual_fit(_races(rng, n_races=3000, bias=1.4), columns=["field_size"])
    assert model.kept and model.rounds > 1
    assert model.heldout["heldout_ci95"][1] < 0
    fresh = _races(rng, n_races=2000, bias=1.4)
    races = fresh.races
    p = model.win(residual_matrix(fresh.market, fresh.matrix, races), fresh.market, races)
    assert races.sum(p) == pytest.approx(np.ones(races.n))
    # On races it never saw, the corrected odds price the winners better than the biased odds.
    assert race_log_loss(p, fresh.won, races) < race_log_loss(fresh.market, fresh.won, races) - 0.005


def test_the_gate_falls_back_to_the_market_when_the_odds_are_right():
    rng = np.random.default_rng(3)
    data = _races(rng, n_races=2500, bias=1.0)
    model = residual_fit(data, columns=["field_size"])
    assert not model.kept and model.booster is None and model.rounds == 0
    assert model.heldout["heldout_ci95"][1] >= 0
    races = data.races
    matrix = residual_matrix(data.market, data.matrix, races)
    assert model.win(matrix, data.market, races) == pytest.approx(data.market)
    # The corrections it judged stay available for the report, not for predictions.
    assert model.ungated().kept


def test_a_race_the_market_does_not_price_fully_gets_no_residual_probability():
    data = _races(np.random.default_rng(4), n_races=3, size=4, bias=1.0)
    market = data.market.copy()
    market[5] = np.nan
    races = data.races
    p = ResidualModel(None, ["field_size"]).win(residual_matrix(market, data.matrix, races), market, races)
    assert np.isnan(p[4:8]).all() and np.isfinite(p[:4]).all() and np.isfinite(p[8:]).all()
