"""A stored model version against the market on a window of finished races (the ``evaluate`` command)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db.models import Q

from predictions.models import ModelKind, ModelVersion
from predictions.services.features import FeatureFrame, feature_frame
from predictions.services.predict import model_predict
from predictions.services.races import Races
from predictions.services.training import strict_market

from ..model_scores import Scored, score_models, win_payouts
from ..rapports import win_dividends
from ..value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS


def payouts(data: pd.DataFrame, *, odds: np.ndarray, dividends: dict[int, dict] | None = None) -> np.ndarray:
    """A 1-unit win bet's return per runner of a feature frame's rows, priced at ``odds`` (floats, rounded to
    the cent: ``cents`` truncates, which is right only for Decimals); see ``model_scores.win_payouts``."""
    odds = np.asarray(odds, dtype=float)
    return win_payouts(
        race_id=data["race_id"].to_numpy(),
        saddle=data["saddle"].to_numpy(),
        won=data["position"].to_numpy() == 1,
        price_cents=np.where(np.isfinite(odds), np.rint(np.nan_to_num(odds) * 100), -1).astype(np.int64),
        source=data["source"],
        dividends=dividends,
    )


def model_evaluate(
    *,
    model_version: ModelVersion,
    start: dt.date,
    end: dt.date,
    source: str | None = None,
    edge: float = VALUE_BET_EDGE,
    min_odds: float = VALUE_BET_MIN_ODDS,
) -> dict:
    """A stored version against the market baseline (and, for a combined version, its fundamental
    half) on the finished races dated ``start``..``end`` that all of them price."""
    features = feature_frame(start=start, end=end, source=source, finished_only=True)
    data = features.data
    data = data.loc[data["has_winner"].to_numpy()].reset_index(drop=True)
    result: dict = {
        "model_version": model_version.version,
        "kind": model_version.kind,
        "start": str(start),
        "end": str(end),
        "source": source,
    }
    if not len(data):
        return {**result, "races": 0, "races_left_out": 0, "models": {}}
    races = Races.of(data["race_id"].to_numpy())
    market = strict_market(data, races)
    predicted = model_predict(model_version, FeatureFrame(data))
    odds = data["final_odds"].fillna(data["morning_odds"]).to_numpy(dtype=float)
    window = Q(race__meeting__date__range=(start, end))
    if source is not None:
        window &= Q(race__source=source)
    scored = Scored(
        race_id=data["race_id"].to_numpy(),
        saddle=data["saddle"].to_numpy(),
        won=data["won"].to_numpy(),
        odds=odds,
        payout=payouts(data, odds=odds, dividends=win_dividends(window)),
        probabilities={"market": market, "model": predicted["win"].to_numpy()},
    )
    if model_version.kind == ModelKind.COMBINED:
        scored.probabilities["fundamental"] = predicted["fundamental"].to_numpy()
    return {**result, **score_models(scored, edge=edge, min_odds=min_odds)}
