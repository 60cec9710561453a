"""Writing a model version's predictions for a window of race days.

The market baseline scores from the odds alone; trained versions (combined, fundamental) score
with their stored XGBoost artifact and calibration (``predict.model_predict``), on features
built for the window, and fall back to the market for races they cannot rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import ModelKind, ModelVersion, Prediction
from .features import feature_frame
from .predict import model_predict
from .probability import harville_place_probabilities, market_probabilities, places_paid, rank_within_races
from .runners import RunnerColumns, runner_columns
from .versions import model_version_active


class UnscorableVersion(ValueError):
    """A version that cannot produce predictions (a trained kind with no artifact)."""


@dataclass(frozen=True)
class ScoreReport:
    model_version: str
    races: int  # races with runners in the window (cancelled ones included)
    races_scored: int
    races_unpriced: int  # some runner that runs has no odds: no market view, no predictions
    predictions: int  # rows written (created or updated)
    removed: int  # this version's rows in the window that no longer apply (non-partant since, unpriced)


def _market_predictions(frame: RunnerColumns) -> dict[str, np.ndarray | list]:
    """Win, place and rank for every runner of the frame the market can price (others: NaN)."""
    odds, odds_decimal = frame.market_odds()
    runs = frame.runs
    win = np.full(len(frame), np.nan)
    win[runs] = market_probabilities(odds[runs], groups=frame.race_id[runs])
    scored = np.isfinite(win)

    race_ids = frame.race_id[scored]
    codes = np.unique(race_ids, return_inverse=True)[1].reshape(-1)
    field_size = np.bincount(codes)[codes] if codes.size else codes
    place = np.full(len(frame), np.nan)
    place[scored] = harville_place_probabilities(win[scored], places_paid(field_size), groups=race_ids)
    rank = np.zeros(len(frame), dtype=np.int64)
    rank[scored] = rank_within_races(win[scored], groups=race_ids, tiebreak=frame.saddle[scored])
    return {"scored": scored, "win": win, "place": place, "rank": rank, "odds": odds_decimal}


def _trained_predictions(frame: RunnerColumns, version: ModelVersion, start: dt.date, end: dt.date) -> dict:
    """The stored model's win/place/rank and explanation per runner; the market where it cannot rate."""
    result = _market_predictions(frame)
    result["market"] = result["win"].copy()
    result["explanation"] = [[] for _ in range(len(frame))]
    features = feature_frame(start=start, end=end, source=version.params.get("source"))
    if not len(features):
        return result
    predicted = model_predict(version, features, explain=True)
    predicted = predicted.loc[predicted["rated"].to_numpy() & np.isfinite(predicted["win"].to_numpy())]
    where = pd.Index(predicted["runner_id"].to_numpy()).get_indexer(frame.runner_id)
    rows = np.flatnonzero(where >= 0)
    taken = where[rows]
    # A race is the model's whole or the market's whole: drop the market rows of rated races.
    rated_races = np.isin(frame.race_id, frame.race_id[rows])
    for name in ("win", "place", "market"):
        result[name][rated_races] = np.nan
    result["rank"][rated_races] = 0
    result["win"][rows] = predicted["win"].to_numpy()[taken]
    result["place"][rows] = predicted["place"].to_numpy()[taken]
    result["market"][rows] = predicted["market"].to_numpy()[taken]
    result["rank"][rows] = predicted["rank"].to_numpy()[taken]
    explanations = predicted["explanation"].to_numpy()
    for row, at in zip(rows.tolist(), taken.tolist(), strict=True):
        result["explanation"][row] = explanations[at]
    result["scored"] = np.isfinite(result["win"])
    return result


def _market_scorer(frame: RunnerColumns, version: ModelVersion, start: dt.date, end: dt.date) -> dict:
    result = _market_predictions(frame)
    result["market"] = result["win"]
    result["explanation"] = None
    return result


_SCORERS = {
    ModelKind.MARKET: _market_scorer,
    ModelKind.COMBINED: _trained_predictions,
    ModelKind.FUNDAMENTAL: _trained_predictions,
}


def predictions_score_report(*, start: dt.date, end: dt.date, model_version: ModelVersion | None = None) -> ScoreReport:
    """Compute and upsert a version's predictions for every race dated ``start``..``end``, atomically."""
    if end < start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    version = model_version or model_version_active()
    scorer = _SCORERS.get(version.kind)
    if scorer is None:
        raise NotImplementedError(f"{version.version}: no scorer for {version.kind} models yet")
    if version.kind != ModelKind.MARKET and not version.artifact:
        raise UnscorableVersion(f"{version.version}: a {version.kind} version without a trained artifact cannot score")

    window = Q(race__meeting__date__range=(start, end))
    scored_at = timezone.now()
    with transaction.atomic():
        frame = runner_columns(window)
        result = scorer(frame, version, start, end)
        scored = result["scored"]
        market = result["market"]
        explanation = result["explanation"]
        rows = [
            Prediction(
                runner_id=int(frame.runner_id[i]),
                model_version=version,
                win_probability=float(result["win"][i]),
                place_probability=float(result["place"][i]),
                market_probability=float(market[i]) if np.isfinite(market[i]) else None,
                rank=int(result["rank"][i]),
                odds=result["odds"][i],
                explanation=explanation[i] if explanation is not None else [],
                scored_at=scored_at,
            )
            for i in np.flatnonzero(scored)
        ]
        Prediction.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["runner", "model_version"],
            update_fields=[
                "win_probability",
                "place_probability",
                "market_probability",
                "rank",
                "odds",
                "explanation",
                "scored_at",
            ],
        )
        # Whatever this version said in the window and did not say again is stale: drop it.
        removed, _ = (
            Prediction.objects.filter(runner__race__meeting__date__range=(start, end), model_version=version)
            .exclude(scored_at=scored_at)
            .delete()
        )

    races_all = set(frame.race_id.tolist())
    races_scored = set(frame.race_id[scored].tolist())
    races_run = set(frame.race_id[frame.runs].tolist())
    return ScoreReport(
        model_version=version.version,
        races=len(races_all),
        races_scored=len(races_scored),
        races_unpriced=len(races_run - races_scored),
        predictions=len(rows),
        removed=removed,
    )


def predictions_score(*, start: dt.date, end: dt.date, model_version: ModelVersion | None = None) -> int:
    """Score every race dated ``start``..``end`` with the active (or given) version; returns rows written."""
    return predictions_score_report(start=start, end=end, model_version=model_version).predictions
