"""A stored model version's view of runners: the one place where a version turns features into probabilities.

Scoring, promotion and the evaluations all call ``model_predict``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..models import ModelKind, ModelVersion
from .features import FeatureFrame
from .probability import harville_place_probabilities, places_paid
from .races import Races
from .training import RaceModel, market_view, strict_market

TRAINED_KINDS = (ModelKind.COMBINED, ModelKind.FUNDAMENTAL)


@functools.lru_cache(maxsize=8)
def _load(pk: int, version: str, artifact_size: int) -> RaceModel:
    stored = ModelVersion.objects.get(pk=pk)
    return RaceModel.load(
        stored.artifact,
        features=stored.features,
        calibration=stored.params["calibration"],
        params=stored.params.get("hyperparameters"),
    )


def model_load(version: ModelVersion) -> RaceModel:
    """The version's booster and calibration (cached: a version's artifact never changes)."""
    if version.kind not in TRAINED_KINDS or not version.artifact:
        raise ValueError(f"{version.version} is not a trained model")
    return _load(version.pk, version.version, len(version.artifact))


def _rated_sources(version: ModelVersion) -> list[str] | None:
    sources = version.params.get("sources")
    return list(sources) if sources else None


def model_predict(version: ModelVersion, features: FeatureFrame, *, explain: bool = False) -> pd.DataFrame:
    """The version's view of every runner of the frame: one row per runner, frame order.

    Columns: runner_id, race_id, win, fundamental (trained kinds), market, place, rank,
    rated (the model's own view, not the market fallback) and, with ``explain``, explanation.
    A race the version cannot price at all has NaN win probabilities and rank 0.
    """
    data = features.data.reset_index(drop=True)
    races = Races.of(data["race_id"].to_numpy())
    out = pd.DataFrame({"runner_id": data["runner_id"].to_numpy(), "race_id": data["race_id"].to_numpy()})
    baseline = strict_market(data, races)
    partial = market_view(data["final_odds"].to_numpy(), data["morning_odds"].to_numpy(), races)
    win = np.full(len(data), np.nan)
    fundamental = np.full(len(data), np.nan)
    rated = np.zeros(len(data), dtype=bool)
    explanation: list = [[] for _ in range(len(data))]

    if version.kind == ModelKind.MARKET:
        win = baseline.copy()
        market = baseline
    else:
        market = partial
        model = model_load(version)
        sources = _rated_sources(version)
        rated = np.ones(len(data), dtype=bool) if sources is None else data["source"].isin(sources).to_numpy()
        if rated.any():
            sub = data.loc[rated]
            sub_races = Races.of(sub["race_id"].to_numpy())
            matrix = sub.loc[:, model.features].to_numpy(dtype=np.float32)
            scores = model.scores(matrix)
            f = model.fundamental(scores, sub_races)
            fundamental[rated] = f
            if version.kind == ModelKind.COMBINED:
                win[rated] = model.combined(scores, partial[rated], sub_races)
            else:
                win[rated] = f
            if explain:
                combined = version.kind == ModelKind.COMBINED
                reasons = model.explanations(matrix, sub_races, partial[rated] if combined else None)
                for row, reason in zip(np.flatnonzero(rated), reasons, strict=True):
                    explanation[row] = reason
        # Races the model cannot rate (another source than it knows) fall back to the market.
        win[~rated] = baseline[~rated]

    scored = np.isfinite(win)
    place = np.full(len(data), np.nan)
    rank = np.zeros(len(data), dtype=np.int64)
    if scored.any():
        sub_races = Races.of(data["race_id"].to_numpy()[scored])
        gamma, delta = place_exponents(version)
        place[scored] = harville_place_probabilities(
            win[scored], places_paid(sub_races.sizes[sub_races.codes]), sub_races.codes, gamma=gamma, delta=delta
        )
        order = np.lexsort((data["saddle"].to_numpy()[scored], -win[scored], sub_races.codes))
        within = np.empty(order.size, dtype=np.int64)
        within[order] = np.arange(order.size) - sub_races.starts[sub_races.codes[order]] + 1
        rank[scored] = within
    out["win"] = win
    out["fundamental"] = fundamental
    out["market"] = market
    out["place"] = place
    out["rank"] = rank
    out["rated"] = rated
    if explain:
        out["explanation"] = explanation
    return out


def place_exponents(version: ModelVersion) -> tuple[float, float]:
    """The version's Harville exponents (γ for second place, δ for third and on), as its calibration fitted them."""
    calibration = version.params.get("calibration") or {}
    if version.kind == ModelKind.MARKET:
        return 1.0, 1.0  # the baseline is plain Harville, as it always was
    return float(calibration.get("gamma", 1.0)), float(calibration.get("delta", 1.0))
