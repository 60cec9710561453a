"""Settling flat win bets on finished races, and summarising a run of bets. No queries here.

A win bet is settled with the race's simple gagnant rapport where the race has one (a dead
heat has one line per winner, each paying its split rapport), else with the final odds, a
dead heat then paying odds / k for k winners (the bookmakers' rule). A race with neither a
rapport nor a recorded winner has no result: its bets stay unsettled, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import numpy as np

from .frames import RunnerFrame

CENT = Decimal("0.01")
NO_RESULT = "no result recorded (no simple gagnant rapport, no winner)"
NO_ODDS = "won, but the race has no rapport and the runner no final odds"


@dataclass(frozen=True)
class Settlement:
    returned: Decimal | None  # None: not settled
    reason: str = ""


def winners_per_race(frame: RunnerFrame) -> dict[int, int]:
    """Race id -> how many runners that ran share first place (2+ = dead heat)."""
    first = frame.runs & (frame.position == 1)
    race_ids, counts = np.unique(frame.race_id[first], return_counts=True)
    return dict(zip(race_ids.tolist(), counts.tolist(), strict=True))


def settle_win_bet(
    frame: RunnerFrame,
    i: int,
    stake: Decimal,
    *,
    dividends: dict[int, dict[int, Decimal]],
    winners: dict[int, int],
) -> Settlement:
    """What a ``stake`` win bet on row ``i`` of the frame returned (stake included)."""
    race_id = int(frame.race_id[i])
    saddle = int(frame.saddle[i])
    paid = dividends.get(race_id)
    if paid:
        return Settlement(stake * paid.get(saddle, Decimal(0)))
    k = winners.get(race_id, 0)
    if k == 0:
        return Settlement(None, NO_RESULT)
    if frame.position[i] != 1:
        return Settlement(Decimal(0))
    odds = frame.final_odds_decimal[i]
    if odds is None:
        return Settlement(None, NO_ODDS)
    return Settlement((stake * Decimal(odds) / k).quantize(CENT, rounding=ROUND_DOWN))


def roi_interval(profit_by_race: list[float], staked_by_race: list[float], *, draws: int = 2000) -> list[float] | None:
    """Bootstrap 95% interval of the ROI, resampling races (fixed seed: the same bets give the same interval)."""
    profit = np.asarray(profit_by_race, dtype=float)
    staked = np.asarray(staked_by_race, dtype=float)
    if profit.size < 2:
        return None
    rng = np.random.default_rng(0)
    picks = rng.integers(0, profit.size, size=(draws, profit.size))
    totals = staked[picks].sum(axis=1)
    rois = profit[picks].sum(axis=1) / np.where(totals > 0, totals, np.nan)
    low, high = np.nanpercentile(rois, [2.5, 97.5])
    return [float(low), float(high)]


def bets_summary(settled: list[dict], *, start_bankroll: Decimal) -> dict:
    """Totals of settled bets (each with race_id, stake, return): ROI, hit rate, drawdown, interval."""
    staked = sum((bet["stake"] for bet in settled), Decimal(0))
    returned = sum((bet["return"] for bet in settled), Decimal(0))
    winners = sum(1 for bet in settled if bet["return"] > 0)
    bankroll = peak = start_bankroll
    drawdown = Decimal(0)
    for bet in settled:
        bankroll += bet["return"] - bet["stake"]
        peak = max(peak, bankroll)
        drawdown = max(drawdown, peak - bankroll)
    per_race: dict[int, list[float]] = {}
    for bet in settled:
        totals = per_race.setdefault(bet["race_id"], [0.0, 0.0])
        totals[0] += float(bet["return"] - bet["stake"])
        totals[1] += float(bet["stake"])
    return {
        "bets": len(settled),
        "winners": winners,
        "hit_rate": winners / len(settled) if settled else None,
        "staked": staked,
        "returned": returned,
        "profit": returned - staked,
        "roi": float((returned - staked) / staked) if staked else None,
        "roi_ci95": roi_interval([t[0] for t in per_race.values()], [t[1] for t in per_race.values()]),
        "max_drawdown": drawdown,
        "start_bankroll": start_bankroll,
        "final_bankroll": bankroll,
    }
