"""Training the race model: the booster on the earlier races, its calibration on out-of-sample scores."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb

from courses.models import RaceStatus

from ..features import FUNDAMENTAL_FEATURES, FeatureFrame
from ..probability import P_FLOOR
from ..races import Races
from .logit import conditional_logit_fit, conditional_logit_standard_errors, place_correction_fit
from .market import market_view
from .model import RaceModel, blend_with_market, xgb_threads
from .objective import _winner_metric, plackett_luce_objective

VALIDATION_SHARE = 0.15
CALIBRATION_FOLDS = 3
MAX_ROUNDS = 1500
EARLY_STOPPING = 60
# The fundamental model enters the combined one only when its held-out weight α is significant
# (one-sided 2.5%): α > 1.96 standard errors.
FUNDAMENTAL_Z = 1.96
DEFAULT_PARAMS: dict = {
    "eta": 0.06,
    "max_depth": 4,
    "min_child_weight": 1.0,
    "subsample": 0.8,
    "colsample_bytree": 0.7,
    "reg_lambda": 5.0,
    "max_bin": 128,
    "tree_method": "hist",
    "base_score": 0.0,
    "disable_default_eval_metric": 1,
    "seed": 7,
}


class TrainingError(Exception):
    """The data cannot support a model (too few races, no winners)."""


@dataclass
class TrainingData:
    """The model's view of a set of finished races: rows contiguous by race, in date order."""

    matrix: np.ndarray
    race_id: np.ndarray
    day: np.ndarray
    position: np.ndarray
    won: np.ndarray
    market: np.ndarray  # normalised 1/odds (NaN where the race has no complete odds)

    def take(self, mask: np.ndarray) -> TrainingData:
        return TrainingData(*(getattr(self, name)[mask] for name in self.__dataclass_fields__))

    @property
    def races(self) -> Races:
        return Races.of(self.race_id)


@dataclass
class FitReport:
    model: RaceModel
    rounds: int
    validation_mask: np.ndarray  # rows of the validation races
    validation_scores: np.ndarray
    heldout_races: int  # races the calibration was fitted on
    place_races: int
    timings: dict = field(default_factory=dict)


def _train_booster(params: dict, data: TrainingData, rounds: int, evaluation: TrainingData | None = None):
    races = data.races
    dtrain = xgb.DMatrix(data.matrix, missing=np.nan, nthread=xgb_threads())
    options = {"obj": plackett_luce_objective(data.position, races), "verbose_eval": False}
    if evaluation is not None:
        dval = xgb.DMatrix(evaluation.matrix, missing=np.nan, nthread=xgb_threads())
        options.update(
            evals=[(dval, "validation")],
            custom_metric=_winner_metric(evaluation.won, evaluation.races),
            early_stopping_rounds=EARLY_STOPPING,
        )
    return xgb.train({**params, "nthread": xgb_threads()}, dtrain, rounds, **options)


def split_by_date(day: np.ndarray, share: float = VALIDATION_SHARE) -> np.ndarray:
    """True for the rows of the last ``share`` of race days: a day is never split."""
    days = np.unique(day)
    if days.size < 2:
        raise TrainingError("the training window needs races on at least two days")
    first_validation = days[min(days.size - 1, max(1, round(days.size * (1 - share))))]
    return day >= first_validation


def race_model_fit(
    data: TrainingData,
    *,
    features: list[str] | None = None,
    params: dict | None = None,
    folds: int = CALIBRATION_FOLDS,
    progress: Callable[[str], None] | None = None,
) -> FitReport:
    """Train the booster on the earlier races, calibrate it on out-of-sample scores (see the module).

    ``progress`` is called once per step: the booster, each calibration booster, the fit.
    """
    step = progress or (lambda _name: None)
    features = list(features or FUNDAMENTAL_FEATURES)
    params = {**DEFAULT_PARAMS, **(params or {})}
    timings: dict[str, float] = {}
    if data.races.n < 20:
        raise TrainingError(f"{data.races.n} races with a winner: too few to train on")
    validation = split_by_date(data.day)
    train, held = data.take(~validation), data.take(validation)

    clock = time.perf_counter()
    booster = _train_booster(params, train, MAX_ROUNDS, evaluation=held)
    rounds = int(booster.best_iteration) + 1
    booster = booster[:rounds]  # keep the trees early stopping chose, nothing after
    timings["booster"] = time.perf_counter() - clock
    step("booster")
    model = RaceModel(booster=booster, features=features, params={**params, "rounds": rounds})
    validation_scores = model.scores(held.matrix)

    # Out-of-sample scores of earlier blocks, from boosters that never saw them.
    clock = time.perf_counter()
    scores = np.full(len(data.won), np.nan)
    scores[validation] = validation_scores
    train_days = np.unique(train.day)
    blocks = np.array_split(train_days, folds) if folds > 0 and train_days.size >= 2 * folds else []
    for block in blocks:
        inside = ~validation & np.isin(data.day, block)
        fold = _train_booster(params, data.take(~inside), rounds)
        scores[inside] = fold.predict(
            xgb.DMatrix(data.matrix[inside], missing=np.nan, nthread=xgb_threads()), output_margin=True
        )
        step("calibration booster")
    timings["calibration_boosters"] = time.perf_counter() - clock

    clock = time.perf_counter()
    heldout = np.isfinite(scores)
    cal = data.take(heldout)
    cal_races = cal.races
    kappa = float(conditional_logit_fit(scores[heldout], cal.won, cal_races)[0])
    log_f = np.log(np.maximum(cal_races.softmax(kappa * scores[heldout]), P_FLOOR))
    priced = cal_races.sum(np.isnan(cal.market).astype(float)) == 0
    rows = priced[cal_races.codes]
    errors = [None, None]
    fitted_alpha = None
    if priced.sum() >= 20:
        sub = Races.of(cal.race_id[rows])
        x = np.column_stack([log_f[rows], np.log(cal.market[rows])])
        alpha, beta = conditional_logit_fit(x, cal.won[rows], sub, start=np.array([0.5, 0.5]))
        errors = conditional_logit_standard_errors(x, cal.won[rows], sub, np.array([alpha, beta])).tolist()
        fitted_alpha = float(alpha)
        if not alpha > FUNDAMENTAL_Z * errors[0]:
            # The held-out races show no information in f beyond the odds: a weight that is noise
            # only adds noise to the market, so the combined model is the market (β alone).
            alpha = 0.0
            beta = float(conditional_logit_fit(x[:, 1:], cal.won[rows], sub, start=np.array([1.0]))[0])
            errors[1] = float(conditional_logit_standard_errors(x[:, 1:], cal.won[rows], sub, np.array([beta]))[0])
    else:
        alpha, beta = 1.0, 0.0  # no market to blend: the combined model is the fundamental one
    win = blend_with_market(log_f, cal.market, cal_races, float(alpha), float(beta))
    gamma, delta, place_races = place_correction_fit(win, cal.position, cal_races)
    timings["calibration_fit"] = time.perf_counter() - clock
    step("calibration")
    model.kappa, model.alpha, model.beta, model.gamma, model.delta = kappa, float(alpha), float(beta), gamma, delta
    model.standard_errors = {"alpha": errors[0], "beta": errors[1]}
    model.fitted_alpha = fitted_alpha
    return FitReport(
        model=model,
        rounds=rounds,
        validation_mask=validation,
        validation_scores=validation_scores,
        heldout_races=cal_races.n,
        place_races=place_races,
        timings=timings,
    )


def params_json(params: dict) -> dict:
    """Hyper-parameters as plain JSON values."""
    return json.loads(json.dumps(params, default=float))


def training_data(features: FeatureFrame, columns: list[str] | tuple[str, ...] = FUNDAMENTAL_FEATURES) -> TrainingData:
    """The finished races of the frame that have a winner and two runners or more, as model inputs."""
    data = features.data
    if not len(data):
        raise TrainingError("no finished race in the training window")
    sizes = data.groupby("race_id")["race_id"].transform("size").to_numpy()
    keep = (data["race_status"] == RaceStatus.FINISHED).to_numpy() & data["has_winner"].to_numpy() & (sizes >= 2)
    data = data.loc[keep]
    races = Races.of(data["race_id"].to_numpy())
    return TrainingData(
        matrix=data.loc[:, list(columns)].to_numpy(dtype=np.float32),
        race_id=data["race_id"].to_numpy(),
        day=data["day"].to_numpy(),
        position=data["position"].to_numpy(dtype=float),
        won=data["won"].to_numpy(dtype=float),
        market=market_view(data["final_odds"].to_numpy(), data["morning_odds"].to_numpy(), races),
    )
