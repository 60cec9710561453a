"""How models do on settled races: their probability figures and what backing their value bets paid.

The one engine behind ``/metrics``, the ``evaluate`` command and docs/MODEL.md. The probability
figures are ``predictions.services.metrics``' (race log loss, pseudo-R², Brier, top-1), the value bets
are the one rule's (``value``) and each bet is settled by the one settlement (``settlement``), as a
flat 1-unit win bet; a bet nothing can settle is left out, never counted as a loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from predictions.services.metrics import log_loss_difference, race_metrics
from predictions.services.races import Races

from .settlement import cents, commission_percent, returns, settle_win, summarise
from .value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS, value_bet_mask

VALUE_BET_FIGURES = ("bets", "winners", "hit_rate", "staked", "returned", "profit", "roi", "roi_ci95")


@dataclass
class Scored:
    """Runners of finished races with a winner, rows contiguous by race, and each model's p."""

    race_id: np.ndarray
    saddle: np.ndarray
    won: np.ndarray  # 1 for the winner, 1/k for each of k dead-heaters
    odds: np.ndarray  # the odds value bets are judged at
    payout: np.ndarray  # what a 1-unit win bet returned, stake included; NaN where nothing settles it
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


def win_payouts(
    *,
    race_id: np.ndarray,
    saddle: np.ndarray,
    won: np.ndarray,
    price_cents: np.ndarray,
    source,
    dividends: dict[int, dict] | None,
    refund: np.ndarray | None = None,
) -> np.ndarray:
    """A 1-unit win bet's return per runner (stake included): the race's win rapport where it has one, else
    the price (cents, −1: none) split by the dead-heaters, less the exchange's commission for the race's
    source; NaN where nothing can settle it. Rows contiguous by race."""
    n = len(race_id)
    won = np.asarray(won, dtype=bool)
    races = Races.of(race_id)
    lines = [(dividends or {}).get(int(race)) for race in np.asarray(race_id).tolist()]
    settled = settle_win(
        present=np.array([line is not None for line in lines], dtype=bool),
        paid=cents(line.get(int(s), 0) if line else 0 for line, s in zip(lines, np.asarray(saddle), strict=True)),
        winners=races.sum(won.astype(float))[races.codes].astype(np.int64),
        won=won,
        price=np.asarray(price_cents, dtype=np.int64),
        commission=commission_percent(source),
        refund=np.zeros(n, dtype=bool) if refund is None else refund,
    )
    unit = np.full(n, 100, dtype=np.int64)
    return np.where(settled.ok, returns(unit, settled) / 100.0, np.nan)


def value_bet_summary(scored: Scored, p: np.ndarray, *, edge: float, min_odds: float) -> dict:
    """Flat 1-unit value bets by ``p`` at ``scored.odds``, settled: the backtest summary's figures."""
    chosen = value_bet_mask(p, scored.odds, edge=edge, min_odds=min_odds) & np.isfinite(scored.payout)
    stakes = np.full(int(chosen.sum()), 100, dtype=np.int64)
    paid = np.rint(scored.payout[chosen] * 100).astype(np.int64)
    summary = summarise(stakes, paid, np.zeros(stakes.size, dtype=bool), scored.race_id[chosen], 0)
    return {name: summary[name] for name in VALUE_BET_FIGURES}


def score_models(
    scored: Scored,
    *,
    edge: float = VALUE_BET_EDGE,
    min_odds: float = VALUE_BET_MIN_ODDS,
    baseline: str = "market",
) -> dict:
    """Every model of ``scored`` on the races all of them price fully: the probability figures, the value
    bets and (beside the ``baseline``) the race log loss difference with its bootstrap interval."""
    races = Races.of(scored.race_id)
    missing = np.zeros(races.n, dtype=bool)
    for p in scored.probabilities.values():
        missing |= races.sum((~np.isfinite(p)).astype(float)) > 0
    kept = scored.take(~missing[races.codes])
    kept_races = Races.of(kept.race_id)
    result: dict = {"races": kept_races.n, "races_left_out": int(missing.sum()), "models": {}}
    for name, p in kept.probabilities.items():
        figures = race_metrics(p, kept.won, kept_races, kept.saddle)
        figures["value_bets"] = value_bet_summary(kept, p, edge=edge, min_odds=min_odds)
        if name != baseline and baseline in kept.probabilities and kept_races.n:
            figures["log_loss_vs_market"] = log_loss_difference(p, kept.probabilities[baseline], kept.won, kept_races)
        result["models"][name] = figures
    return result
