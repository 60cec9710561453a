"""The residual model: a Plackett–Luce booster trained on top of the market, learning only the odds' mistakes.

Each runner's score starts at the market's log probability ln π (XGBoost's ``base_margin``), so with no
trees the model *is* the market: p = softmax(ln π) = π. The trees add corrections s_i(x) to that
margin, p ∝ exp(ln π_i + s_i), trained with the same Plackett–Luce objective as the fundamental
model (the objective's margin includes the base margin, so its gradient is that of the corrected
probabilities). The inputs are what the favourite–longshot and the odds-drift literature points
at: ln π itself, the runner's rank in the market, the field size, the morning and final market
probabilities and the morning-to-final drift where the data has both — optionally with the
fundamental features as well. Strong regularisation (shallow trees, large λ, a minimum hessian
per leaf) and early stopping on the validation races keep the corrections small.

The gate: the booster trained on the earlier 85% scores the validation races, and one booster per
earlier block (trained without it, with the rounds early stopping chose) scores that block — the
same held-out races the combined model is calibrated on. The corrections are kept only when their
race log loss there is below the market's beyond the noise: the upper end of the bootstrap 95%
interval of Δ (model − market) is below 0. Otherwise the model falls back to the market (no trees).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xgboost as xgb

from ..features import MARKET_FEATURES
from ..metrics import log_loss_difference
from ..probability import P_FLOOR
from ..races import Races
from .fit import (
    CALIBRATION_FOLDS,
    DEFAULT_PARAMS,
    EARLY_STOPPING,
    MAX_ROUNDS,
    TrainingData,
    TrainingError,
    split_by_date,
)
from .model import xgb_threads
from .objective import _winner_metric, plackett_luce_objective

# The data columns the residual model reads beside ln π and the market rank (which it derives).
RESIDUAL_COLUMNS: tuple[str, ...] = ("field_size", *MARKET_FEATURES)
# Places in the residual model's Plackett–Luce likelihood: the winner only. The market's ln π is a win
# probability; the later places follow p^γ, p^δ with γ, δ < 1 (Benter), so fitting them on top of ln π
# pulls the corrections towards flattening the favourites, which worsened the winner's log loss.
RESIDUAL_STAGES = 1
# The fundamental model's parameters, regularised much harder: corrections to the odds must be small and broad.
RESIDUAL_PARAMS: dict = {
    **DEFAULT_PARAMS,
    "eta": 0.03,
    "max_depth": 2,
    "min_child_weight": 20.0,
    "colsample_bytree": 1.0,
    "reg_lambda": 50.0,
    "max_bin": 64,
}


def residual_matrix(market: np.ndarray, columns: np.ndarray, races: Races) -> np.ndarray:
    """The residual model's inputs: ln π, the runner's rank in the market (1 = favourite), then ``columns``."""
    log_pi = np.log(np.maximum(market, P_FLOOR))
    order = np.lexsort((-np.nan_to_num(market, nan=-1.0), races.codes))
    rank = np.empty(market.size)
    rank[order] = np.arange(market.size) - races.starts[races.codes[order]] + 1
    rank = np.where(np.isfinite(market), rank, np.nan)
    return np.column_stack([np.where(np.isfinite(market), log_pi, np.nan), rank, columns]).astype(np.float32)


def market_margin(market: np.ndarray, races: Races) -> np.ndarray:
    """The base margin: ln π, and for a runner without odds the log of a uniform share of its race."""
    uniform = np.log(1.0 / races.sizes[races.codes])
    return np.where(np.isfinite(market) & (market > 0), np.log(np.maximum(market, P_FLOOR)), uniform)


def _priced(market: np.ndarray, races: Races) -> np.ndarray:
    """True for the rows of races whose every runner has a market probability."""
    return (races.sum((~np.isfinite(market)).astype(float)) == 0)[races.codes]


def _dmatrix(matrix: np.ndarray, market: np.ndarray, races: Races) -> xgb.DMatrix:
    dmatrix = xgb.DMatrix(matrix, missing=np.nan, nthread=xgb_threads())
    dmatrix.set_base_margin(market_margin(market, races))
    return dmatrix


@dataclass
class ResidualModel:
    """Corrections to the market's log probabilities; ``booster`` None: the gate kept the market."""

    booster: xgb.Booster | None
    columns: list[str]  # the data columns read beside ln π and the market rank
    rounds: int = 0
    fitted_rounds: int = 0  # the rounds early stopping chose, before the gate
    heldout: dict = field(default_factory=dict)  # Δ race log loss vs the market on the held-out races
    candidate: xgb.Booster | None = None  # the corrections the gate judged, kept or not

    def ungated(self) -> ResidualModel:
        """The corrections as trained, whatever the gate decided (to judge them on other races)."""
        return ResidualModel(self.candidate, self.columns, self.fitted_rounds, self.fitted_rounds, self.heldout)

    @property
    def kept(self) -> bool:
        return self.booster is not None

    def margins(self, matrix: np.ndarray, market: np.ndarray, races: Races) -> np.ndarray:
        if self.booster is None or not len(matrix):
            return market_margin(market, races)
        return self.booster.predict(_dmatrix(matrix, market, races), output_margin=True).astype(float)

    def win(self, matrix: np.ndarray, market: np.ndarray, races: Races) -> np.ndarray:
        """Win probabilities; NaN for every runner of a race the market does not price fully."""
        p = races.softmax(self.margins(matrix, market, races))
        return np.where(_priced(market, races), p, np.nan)

    def win_from_frame(self, data: pd.DataFrame, market: np.ndarray, races: Races) -> np.ndarray:
        columns = data.loc[:, self.columns].to_numpy(dtype=np.float32)
        return self.win(residual_matrix(market, columns, races), market, races)

    def summary(self) -> dict:
        return {
            "kept": self.kept,
            "inputs": ["market_logp", "market_rank", *self.columns],
            "rounds": self.rounds,
            "fitted_rounds": self.fitted_rounds,
            **self.heldout,
        }


def _train(params: dict, data: TrainingData, rounds: int, evaluation: TrainingData | None = None) -> xgb.Booster:
    races = data.races
    options = {"obj": plackett_luce_objective(data.position, races, RESIDUAL_STAGES), "verbose_eval": False}
    if evaluation is not None:
        options.update(
            evals=[(_dmatrix(evaluation.matrix, evaluation.market, evaluation.races), "validation")],
            custom_metric=_winner_metric(evaluation.won, evaluation.races),
            early_stopping_rounds=EARLY_STOPPING,
        )
    dtrain = _dmatrix(data.matrix, data.market, races)
    return xgb.train({**params, "nthread": xgb_threads()}, dtrain, rounds, **options)


def residual_fit(
    data: TrainingData,
    *,
    columns: list[str] | tuple[str, ...] = RESIDUAL_COLUMNS,
    params: dict | None = None,
    folds: int = CALIBRATION_FOLDS,
) -> ResidualModel:
    """Train the corrections on the races the market prices fully, and keep them only if the held-out races
    show they beat the market beyond the noise (see the module). ``data.matrix`` holds ``columns``."""
    params = {**RESIDUAL_PARAMS, **(params or {})}
    races = data.races
    priced = _priced(data.market, races)
    data = data.take(priced)
    races = data.races
    if races.n < 20:
        raise TrainingError(f"{races.n} races priced by the market: too few to learn its mistakes")
    data = TrainingData(
        residual_matrix(data.market, data.matrix, races), data.race_id, data.day, data.position, data.won, data.market
    )
    validation = split_by_date(data.day)
    train, held = data.take(~validation), data.take(validation)
    booster = _train(params, train, MAX_ROUNDS, evaluation=held)
    rounds = int(booster.best_iteration) + 1
    booster = booster[:rounds]

    margins = np.full(len(data.won), np.nan)
    margins[validation] = booster.predict(_dmatrix(held.matrix, held.market, held.races), output_margin=True)
    train_days = np.unique(train.day)
    blocks = np.array_split(train_days, folds) if folds > 0 and train_days.size >= 2 * folds else []
    for block in blocks:
        inside = ~validation & np.isin(data.day, block)
        part = data.take(inside)
        fold = _train(params, data.take(~inside), rounds)
        margins[inside] = fold.predict(_dmatrix(part.matrix, part.market, part.races), output_margin=True)
    heldout = np.isfinite(margins)
    scored = data.take(heldout)
    held_races = scored.races
    diff = log_loss_difference(held_races.softmax(margins[heldout]), scored.market, scored.won, held_races)
    figures = {"heldout_races": held_races.n, "heldout_delta": diff["mean"], "heldout_ci95": diff["ci95"]}
    kept = diff["ci95"][1] < 0
    return ResidualModel(
        booster=booster if kept else None,
        columns=list(columns),
        rounds=rounds if kept else 0,
        fitted_rounds=rounds,
        heldout=figures,
        candidate=booster,
    )
