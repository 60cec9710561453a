"""The fitted race model: a booster with its calibration, turning features into win probabilities and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb
from django.conf import settings
from django.utils.translation import gettext_noop

from ..features import FEATURE_LABELS
from ..probability import P_FLOOR
from ..races import Races
from .logit import DEFAULT_DELTA, DEFAULT_GAMMA

EXPLANATION_SIZE = 5
MARKET_LABEL = gettext_noop("Market odds")  # the pages translate it (dashboard's ``label`` filter)


def xgb_threads() -> int:
    """XGBoost's threads (setting ``XGB_THREADS``, environment ``TURF_XGB_THREADS``; see its comment)."""
    return settings.XGB_THREADS


def blend_with_market(log_f: np.ndarray, market: np.ndarray, races: Races, alpha: float, beta: float) -> np.ndarray:
    """c ∝ exp(α ln f + β ln π) within each race.

    Where some runners of a race have no odds, the market speaks for the priced ones only: π is
    rescaled to the share the model gives them, and the unpriced runners keep the model's f. A
    race without any odds is the fundamental model's alone.
    """
    f = np.exp(log_f)
    priced = np.isfinite(market) & (market > 0)
    share = races.sum(np.where(priced, f, 0.0))[races.codes]
    pi = np.where(priced, market * share, f)
    return races.softmax(alpha * log_f + beta * np.log(np.maximum(pi, P_FLOOR)))


@dataclass
class RaceModel:
    """A trained booster with its calibration: everything needed to score races."""

    booster: xgb.Booster
    features: list[str]
    kappa: float = 1.0  # softmax scale of the booster's score
    alpha: float = 0.0  # weight of ln f in the combined model
    beta: float = 1.0  # weight of ln π
    gamma: float = DEFAULT_GAMMA
    delta: float = DEFAULT_DELTA
    params: dict = field(default_factory=dict)
    standard_errors: dict = field(default_factory=dict)
    fitted_alpha: float | None = None  # α before the significance test (None: no market to fit it on)

    # -- storage
    def artifact(self) -> str:
        return bytes(self.booster.save_raw("json")).decode()

    def calibration(self) -> dict:
        return {
            "kappa": self.kappa,
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "delta": self.delta,
            "standard_errors": self.standard_errors,
            "fitted_alpha": self.fitted_alpha,
        }

    @classmethod
    def load(cls, artifact: str, *, features: list[str], calibration: dict, params: dict | None = None) -> RaceModel:
        booster = xgb.Booster(params={"nthread": xgb_threads()})
        booster.load_model(bytearray(artifact.encode()))
        return cls(
            booster=booster,
            features=list(features),
            params=dict(params or {}),
            **{k: float(calibration[k]) for k in ("kappa", "alpha", "beta", "gamma", "delta")},
        )

    # -- scoring
    def _dmatrix(self, matrix: np.ndarray) -> xgb.DMatrix:
        return xgb.DMatrix(matrix, missing=np.nan, nthread=xgb_threads())

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        return self.booster.predict(self._dmatrix(matrix), output_margin=True).astype(float)

    def fundamental(self, scores: np.ndarray, races: Races) -> np.ndarray:
        return races.softmax(self.kappa * scores)

    def combined(self, scores: np.ndarray, market: np.ndarray, races: Races) -> np.ndarray:
        log_f = np.log(np.maximum(self.fundamental(scores, races), P_FLOOR))
        return blend_with_market(log_f, market, races, self.alpha, self.beta)

    def explanations(
        self, matrix: np.ndarray, races: Races, market: np.ndarray | None = None, *, size: int = EXPLANATION_SIZE
    ) -> list[list[dict]]:
        """Each runner's strongest reasons, from XGBoost's own contributions (``pred_contribs``).

        A contribution is the feature's share of the runner's score minus the race's average
        share (only differences between rivals move a softmax), in the model's log-odds units
        (× κ, and × α for the combined model, whose market term is listed as "Market odds").
        """
        if not len(matrix):
            return []
        contribs = self.booster.predict(self._dmatrix(matrix), pred_contribs=True)[:, :-1].astype(float)
        scale = self.kappa * (self.alpha if market is not None else 1.0)
        centred = contribs - (np.add.reduceat(contribs, races.starts, axis=0) / races.sizes[:, None])[races.codes]
        centred *= scale
        names = list(self.features)
        labels = [FEATURE_LABELS.get(name, name) for name in names]
        if market is not None:
            priced = np.isfinite(market) & (market > 0)
            log_pi = np.where(priced, np.log(np.maximum(market, P_FLOOR)), 0.0)
            full = races.sum(priced.astype(float))[races.codes] == races.sizes[races.codes]
            term = np.where(full, self.beta * races.demean(log_pi), 0.0)
            centred = np.column_stack([centred, term])
            names.append("market")
            labels.append(MARKET_LABEL)
        top = np.argsort(-np.abs(centred), axis=1)[:, :size]
        return [
            [
                {"feature": names[k], "label": labels[k], "contribution": round(float(centred[i, k]), 4)}
                for k in top[i]
                if centred[i, k] != 0.0
            ]
            for i in range(len(centred))
        ]
