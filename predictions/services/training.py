"""The race model: an XGBoost score per runner, turned into win probabilities within each race.

- **Fundamental model.** XGBoost learns a score s_i per runner from the fundamental features
  (no odds) with a custom Plackett–Luce objective: the winner is a softmax choice among the
  race's runners, the second a softmax choice among the rest, and so on for the first
  ``STAGES`` places (Benter's "exploded" conditional logit; the later places add information
  the winner alone does not carry). Win probability: f_i = exp(κ s_i) / Σ_j exp(κ s_j) within
  the race, κ fitted by maximum likelihood on held-out races (the calibration).
- **Combined model** (Benter 1994): c_i ∝ exp(α ln f_i + β ln π_i), π the market's normalised
  1/odds, α and β by conditional-logit likelihood on held-out races. Runners without odds in a
  partly priced race keep the model's own share (see ``blend_with_market``).
- **Places**: Harville with Benter's correction (p^γ for second place, p^δ for third), γ, δ
  fitted on held-out finishing orders, else 0.81 / 0.65.

Held-out races for the calibration: the booster trained on the first 85% of the window scores
the last 15% (the validation races); ``CALIBRATION_FOLDS`` more boosters, each trained on
everything but one block of the earlier races, score that block. κ, α, β, γ and δ are fitted on all of these
out-of-sample scores: a few thousand races rather than the validation block alone, which
halves the noise of the fit (measured on Hong Kong races before the test year).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb
from scipy.optimize import minimize, minimize_scalar

from .features import FEATURE_LABELS, FUNDAMENTAL_FEATURES

STAGES = 4  # places in the Plackett–Luce likelihood
DEFAULT_GAMMA, DEFAULT_DELTA = 0.81, 0.65  # Benter's Hong Kong values
MIN_RACES_FOR_PLACES = 300  # fewer races with a known 1-2-3: keep Benter's γ, δ
VALIDATION_SHARE = 0.15
CALIBRATION_FOLDS = 3
MAX_ROUNDS = 1500
EARLY_STOPPING = 60
# The fundamental model enters the combined one only when its held-out weight α is significant
# (one-sided 2.5%): α > 1.96 standard errors.
FUNDAMENTAL_Z = 1.96
# One thread: on a shared 2-core box, OpenMP's spinning threads made training 4× slower with 2
# threads than with 1 whenever the other core was busy (web, database, workers).
THREADS = int(os.environ.get("TURF_XGB_THREADS", "1"))
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
_FLOOR = 1e-15
EXPLANATION_SIZE = 5
MARKET_LABEL = "Market odds"


class TrainingError(Exception):
    """The data cannot support a model (too few races, no winners)."""


# -- races as contiguous blocks of rows ----------------------------------------------------------


@dataclass(frozen=True)
class Races:
    """Rows grouped by race, each race's rows contiguous: sums and maxima per race by ``reduceat``."""

    codes: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, race_id: np.ndarray) -> Races:
        race_id = np.asarray(race_id)
        if race_id.size == 0:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        change = np.r_[True, race_id[1:] != race_id[:-1]]
        starts = np.flatnonzero(change)
        if np.unique(race_id).size != starts.size:
            raise ValueError("the rows of each race must be contiguous")
        return cls(np.cumsum(change) - 1, starts)

    @property
    def n(self) -> int:
        return int(self.starts.size)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(np.r_[self.starts, self.codes.size])

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts) if self.n else np.zeros(0)

    def softmax(self, scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """exp(s) / Σ exp(s) within each race, over the rows in ``mask`` (0 elsewhere)."""
        s = scores if mask is None else np.where(mask, scores, -np.inf)
        top = np.maximum.reduceat(s, self.starts)
        top = np.where(np.isfinite(top), top, 0.0)
        e = np.exp(s - top[self.codes])
        total = self.sum(e)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total[self.codes] > 0, e / total[self.codes], 0.0)

    def demean(self, values: np.ndarray) -> np.ndarray:
        return values - (self.sum(values) / self.sizes)[self.codes]


def race_log_loss(p: np.ndarray, won: np.ndarray, races: Races) -> float:
    """Mean over races of −Σ y ln p (y = 1/k for each of k dead-heaters): −ln p(winner)."""
    return float(-races.sum(won * np.log(np.maximum(p, _FLOOR))).mean())


def race_metrics(p: np.ndarray, won: np.ndarray, races: Races, tiebreak: np.ndarray | None = None) -> dict:
    """Race log loss, pseudo-R² against uniform (Benter), Brier (Σ per race) and top-1 accuracy.

    The top pick of a race is its highest p (ties: the lowest ``tiebreak``, e.g. saddle number);
    it scores y, so a dead-heater counts 1/k, as the split rapport pays.
    """
    if races.n == 0:
        return {"races": 0, "log_loss": None, "pseudo_r2": None, "brier": None, "top1": None}
    log_loss = race_log_loss(p, won, races)
    uniform = float(np.log(races.sizes).mean())
    order = np.lexsort((np.arange(p.size) if tiebreak is None else tiebreak, -p, races.codes))
    first = order[races.starts]
    return {
        "races": races.n,
        "log_loss": log_loss,
        "uniform_log_loss": uniform,
        "pseudo_r2": 1.0 - log_loss / uniform if uniform > 0 else None,
        "brier": float(races.sum((p - won) ** 2).mean()),
        "top1": float(won[first].sum() / races.n),
    }


def market_view(final_odds: np.ndarray, morning_odds: np.ndarray, races: Races) -> np.ndarray:
    """The market's probabilities per runner: normalised 1/odds within the race, NaN where unpriced.

    Final odds where every runner of the race has them, else the morning odds (today's races;
    the PMU CSV), else whatever final odds there are, normalised over the runners that have
    them. A race with no odds at all has none.
    """

    def implied(odds: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.isfinite(odds) & (odds >= 1.0), 1.0 / odds, np.nan)

    final, morning = implied(np.asarray(final_odds, float)), implied(np.asarray(morning_odds, float))
    complete_final = races.sum(np.isnan(final).astype(float)) == 0
    any_morning = (races.sum(np.isfinite(morning).astype(float)) > 0)[races.codes]
    use = np.where(complete_final[races.codes], final, np.where(any_morning, morning, final))
    total = races.sum(np.nan_to_num(use))[races.codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, use / total, np.nan)


# -- the objective -----------------------------------------------------------------------------------


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


# -- conditional logit fits ---------------------------------------------------------------------------


def conditional_logit_fit(x: np.ndarray, won: np.ndarray, races: Races, start: np.ndarray | None = None) -> np.ndarray:
    """Coefficients b maximising Σ_races Σ y ln softmax(x·b) within the race (McFadden's conditional logit)."""
    x = np.asarray(x, dtype=float).reshape(len(won), -1)
    weight = races.sum(won)[races.codes]

    def nll(b: np.ndarray) -> tuple[float, np.ndarray]:
        p = races.softmax(x @ b)
        value = -float((won * np.log(np.maximum(p, 1e-300))).sum())
        grad = -((won - p * weight)[:, None] * x).sum(axis=0)
        return value, grad

    b0 = np.ones(x.shape[1]) if start is None else np.asarray(start, dtype=float)
    result = minimize(nll, b0, jac=True, method="L-BFGS-B")
    return result.x


def conditional_logit_standard_errors(x: np.ndarray, won: np.ndarray, races: Races, b: np.ndarray) -> np.ndarray:
    """Standard errors of b from the observed information Σ_races w (E[x xᵀ] − E[x] E[x]ᵀ)."""
    x = np.asarray(x, dtype=float).reshape(len(won), -1)
    p = races.softmax(x @ b)
    weight = races.sum(won)
    mean = np.stack([races.sum(p * x[:, k]) for k in range(x.shape[1])], axis=1)
    second = np.stack(
        [np.stack([races.sum(p * x[:, i] * x[:, j]) for j in range(x.shape[1])], axis=1) for i in range(x.shape[1])],
        axis=1,
    )
    info = np.einsum("r,rij->ij", weight, second - mean[:, :, None] * mean[:, None, :])
    try:
        return np.sqrt(np.clip(np.diag(np.linalg.inv(info)), 0, None))
    except np.linalg.LinAlgError:
        return np.full(x.shape[1], np.inf)


def place_correction_fit(p: np.ndarray, position: np.ndarray, races: Races) -> tuple[float, float, int]:
    """Benter's γ (second place) and δ (third) by likelihood of the observed 1-2-3, and the races used.

    P(j second | i first) = q_j / (1 − q_i), q = p^γ normalised in the race; P(k third | i, j) =
    r_k / (1 − r_i − r_j), r = p^δ normalised. Races with a dead heat in the first three, or
    without a known 1-2-3, are left out. Too few races: the defaults.
    """
    first, second, third = (races.sum((position == k).astype(float)) for k in (1, 2, 3))
    clean = (first == 1) & (second == 1) & (third == 1) & (races.sizes >= 4)
    keep = clean[races.codes]
    if clean.sum() < MIN_RACES_FOR_PLACES:
        return DEFAULT_GAMMA, DEFAULT_DELTA, int(clean.sum())
    sub = Races.of(races.codes[keep])
    logp = np.log(np.maximum(p[keep], _FLOOR))
    pos = position[keep]

    def at(values: np.ndarray, place: int) -> np.ndarray:
        return sub.sum(np.where(pos == place, values, 0.0))

    def nll_second(g: float) -> float:
        q = sub.softmax(g * logp)
        return -float(np.sum(np.log(at(q, 2)) - np.log1p(-at(q, 1))))

    def nll_third(d: float) -> float:
        r = sub.softmax(d * logp)
        return -float(np.sum(np.log(at(r, 3)) - np.log(np.maximum(1.0 - at(r, 1) - at(r, 2), _FLOOR))))

    gamma = minimize_scalar(nll_second, bounds=(0.2, 1.5), method="bounded").x
    delta = minimize_scalar(nll_third, bounds=(0.2, 1.5), method="bounded").x
    return float(gamma), float(delta), int(clean.sum())


# -- the fitted model ---------------------------------------------------------------------------------


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
    return races.softmax(alpha * log_f + beta * np.log(np.maximum(pi, _FLOOR)))


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
        booster = xgb.Booster(params={"nthread": THREADS})
        booster.load_model(bytearray(artifact.encode()))
        return cls(
            booster=booster,
            features=list(features),
            params=dict(params or {}),
            **{k: float(calibration[k]) for k in ("kappa", "alpha", "beta", "gamma", "delta")},
        )

    # -- scoring
    def _dmatrix(self, matrix: np.ndarray) -> xgb.DMatrix:
        return xgb.DMatrix(matrix, missing=np.nan, nthread=THREADS)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        return self.booster.predict(self._dmatrix(matrix), output_margin=True).astype(float)

    def fundamental(self, scores: np.ndarray, races: Races) -> np.ndarray:
        return races.softmax(self.kappa * scores)

    def combined(self, scores: np.ndarray, market: np.ndarray, races: Races) -> np.ndarray:
        log_f = np.log(np.maximum(self.fundamental(scores, races), _FLOOR))
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
            log_pi = np.where(priced, np.log(np.maximum(market, _FLOOR)), 0.0)
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


# -- training -----------------------------------------------------------------------------------------


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
    dtrain = xgb.DMatrix(data.matrix, missing=np.nan, nthread=THREADS)
    options = {"obj": plackett_luce_objective(data.position, races), "verbose_eval": False}
    if evaluation is not None:
        dval = xgb.DMatrix(evaluation.matrix, missing=np.nan, nthread=THREADS)
        options.update(
            evals=[(dval, "validation")],
            custom_metric=_winner_metric(evaluation.won, evaluation.races),
            early_stopping_rounds=EARLY_STOPPING,
        )
    return xgb.train({**params, "nthread": THREADS}, dtrain, rounds, **options)


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
            xgb.DMatrix(data.matrix[inside], missing=np.nan, nthread=THREADS), output_margin=True
        )
        step("calibration booster")
    timings["calibration_boosters"] = time.perf_counter() - clock

    clock = time.perf_counter()
    heldout = np.isfinite(scores)
    cal = data.take(heldout)
    cal_races = cal.races
    kappa = float(conditional_logit_fit(scores[heldout], cal.won, cal_races)[0])
    log_f = np.log(np.maximum(cal_races.softmax(kappa * scores[heldout]), _FLOOR))
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
