"""Settling and scoring a set of predictions (payouts, value bets, metrics against the market); a stored version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import Q

from ...models import ModelKind, ModelVersion
from ..features import FeatureFrame, feature_frame
from ..frames import win_dividends
from ..registry import model_predict, strict_market
from ..settlement import cents, commission_percent, returns, roi_interval, settle_win
from ..training import Races, race_metrics

EDGE = 0.0
MIN_ODDS = 2.0
BOOTSTRAP_DRAWS = 2000


# -- settling and scoring a set of predictions ------------------------------------------------------


@dataclass
class Scored:
    """Runners of finished races with a winner, rows contiguous by race, and each model's p."""

    race_id: np.ndarray
    saddle: np.ndarray
    won: np.ndarray
    odds: np.ndarray  # the odds value bets are judged at
    payout: np.ndarray  # what a 1-unit win bet returned, stake included
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, mask: np.ndarray) -> Scored:
        return Scored(
            self.race_id[mask],
            self.saddle[mask],
            self.won[mask],
            self.odds[mask],
            self.payout[mask],
            {name: p[mask] for name, p in self.probabilities.items()},
        )


def payouts(data: pd.DataFrame, *, odds: np.ndarray, dividends: dict[int, dict] | None = None) -> np.ndarray:
    """A 1-unit win bet's return per runner (stake included), settled by the one settlement rule
    (``services/settlement.py``): the race's win rapport where it has one, else the odds split by
    the dead-heaters, less the exchange's commission for the race's source; NaN where nothing can settle it."""
    n = len(data)
    won = data["position"].to_numpy() == 1
    races = Races.of(data["race_id"].to_numpy())
    lines = [(dividends or {}).get(int(race)) for race in data["race_id"].to_numpy()]
    odds = np.asarray(odds, dtype=float)
    settled = settle_win(
        present=np.array([bool(line) for line in lines], dtype=bool),
        paid=cents(
            line.get(int(saddle), 0) if line else 0
            for line, saddle in zip(lines, data["saddle"].to_numpy(), strict=False)
        ),
        winners=races.sum(won.astype(float))[races.codes].astype(np.int64),
        won=won,
        # Float odds: rounded to the cent (``cents`` truncates, which is right only for Decimals).
        price=np.where(np.isfinite(odds), np.rint(np.nan_to_num(odds) * 100), -1).astype(np.int64),
        commission=commission_percent(data["source"]),
        refund=np.zeros(n, dtype=bool),
    )
    unit = 100 * np.ones(n, dtype=np.int64)
    return np.where(settled.ok, returns(unit, settled) / 100.0, np.nan)


def _value_bets(scored: Scored, p: np.ndarray, *, edge: float, min_odds: float) -> dict:
    with np.errstate(invalid="ignore"):
        chosen = np.isfinite(p) & np.isfinite(scored.odds) & (scored.odds >= min_odds) & (p * scored.odds - 1.0 > edge)
    chosen &= np.isfinite(scored.payout)  # a bet nothing can settle is left out, never counted as a loss
    n = int(chosen.sum())
    if not n:
        return {"bets": 0, "winners": 0, "roi": None, "roi_ci95": None}
    profit = scored.payout[chosen] - 1.0
    by_race = pd.DataFrame({"race": scored.race_id[chosen], "profit": profit, "stake": 1.0}).groupby("race").sum()
    return {
        "bets": n,
        "winners": int((scored.payout[chosen] > 0).sum()),
        "roi": float(profit.sum() / n),
        "roi_ci95": roi_interval(by_race["profit"].tolist(), by_race["stake"].tolist(), draws=BOOTSTRAP_DRAWS),
    }


def _paired_difference(a: np.ndarray, b: np.ndarray, won: np.ndarray, races: Races) -> dict:
    """Mean race log loss of a minus b, with a bootstrap 95% interval over races."""
    la = -races.sum(won * np.log(np.maximum(a, 1e-15)))
    lb = -races.sum(won * np.log(np.maximum(b, 1e-15)))
    diff = la - lb
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, diff.size, size=(BOOTSTRAP_DRAWS, diff.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(diff.mean()), "ci95": [float(low), float(high)]}


def score_models(scored: Scored, *, edge: float = EDGE, min_odds: float = MIN_ODDS, baseline: str = "market") -> dict:
    """Metrics of every model of ``scored`` on the races all of them price fully."""
    races = Races.of(scored.race_id)
    missing = np.zeros(races.n, dtype=bool)
    for p in scored.probabilities.values():
        missing |= races.sum((~np.isfinite(p)).astype(float)) > 0
    kept = scored.take(~missing[races.codes])
    kept_races = Races.of(kept.race_id)
    result: dict = {"races": kept_races.n, "races_left_out": int(missing.sum()), "models": {}}
    for name, p in kept.probabilities.items():
        metrics = race_metrics(p, kept.won, kept_races, kept.saddle)
        metrics["value_bets"] = _value_bets(kept, p, edge=edge, min_odds=min_odds)
        if name != baseline and baseline in kept.probabilities and kept_races.n:
            metrics["log_loss_vs_market"] = _paired_difference(p, kept.probabilities[baseline], kept.won, kept_races)
        result["models"][name] = metrics
    return result


# -- a stored version on a window (the evaluate command) ---------------------------------------------


def model_evaluate(
    *,
    model_version: ModelVersion,
    start: dt.date,
    end: dt.date,
    source: str | None = None,
    edge: float = EDGE,
    min_odds: float = MIN_ODDS,
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
