"""The Plackett–Luce objective XGBoost trains the fundamental model with, and its early-stopping metric."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from ..metrics import race_log_loss
from ..races import Races

STAGES = 4  # places in the Plackett–Luce likelihood


def _stages(position: np.ndarray, races: Races, stages: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each place j: the runners still in the choice set and the target shares."""
    prepared = []
    for j in range(stages):
        alive = ~(position <= j)  # NaN (no place: lost, fell…) stays in every choice set
        chosen = (position == j + 1).astype(float)
        k = races.sum(chosen)[races.codes]
        usable = alive & (k > 0)
        if not usable.any():
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            prepared.append((usable, np.where(usable, chosen / k, 0.0)))
    return prepared


def plackett_luce_objective(position: np.ndarray, races: Races, stages: int = STAGES):
    """XGBoost objective: the negative log-likelihood of the first ``stages`` places, per race.

    Each place is a softmax choice among the runners not yet placed; a dead heat shares the
    choice. The hessian is the diagonal p(1 − p) of each stage, summed.
    """
    prepared = _stages(position, races, stages)

    def objective(predt: np.ndarray, _dtrain: xgb.DMatrix) -> tuple[np.ndarray, np.ndarray]:
        grad = np.zeros_like(predt, dtype=float)
        hess = np.zeros_like(predt, dtype=float)
        for usable, target in prepared:
            p = races.softmax(predt, usable)
            grad += p - target
            hess += p * (1.0 - p)
        return grad, np.maximum(hess, 1e-6)

    return objective


def _winner_metric(won: np.ndarray, races: Races):
    def metric(predt: np.ndarray, _dmatrix: xgb.DMatrix) -> tuple[str, float]:
        return "race_logloss", race_log_loss(races.softmax(predt), won, races)

    return metric
