"""The value-bet rule and Kelly stakes: written once, used by the value-bet list, the metrics, the model
report and the backtests.

A value bet is a runner whose win probability beats its odds by more than ``edge`` (expected profit
per unit p × odds − 1 > edge) at odds of at least ``min_odds``. The defaults are the product's: any
positive edge at odds of 2.0 or more (shorter prices leave too little to win for the model's error).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import numpy as np
from numpy.typing import ArrayLike

from predictions.services.probability import as_float

from .settlement import CENT

VALUE_BET_EDGE = 0.0
VALUE_BET_MIN_ODDS = 2.0
# The bankroll the value-bet list's Kelly stakes are quoted for.
VALUE_BET_BANKROLL = Decimal(100)
# Stakes are a quarter of Kelly, at most 5% of the bankroll a bet (see ``kelly_fraction``).
KELLY_FRACTION = 0.25
KELLY_CAP = 0.05


def expected_value(p: ArrayLike, odds: ArrayLike) -> np.ndarray | float:
    """Expected profit of a 1-unit win bet at decimal odds (stake included): p × odds − 1."""
    out = as_float(p) * as_float(odds) - 1.0
    return float(out) if np.ndim(out) == 0 else out


def value_bet_mask(
    p: ArrayLike, odds: ArrayLike, *, edge: float = VALUE_BET_EDGE, min_odds: float | None = VALUE_BET_MIN_ODDS
) -> np.ndarray:
    """Per runner: a value bet, i.e. p × odds − 1 > ``edge`` at odds ≥ ``min_odds`` (no bound when None).

    A runner without a probability or odds (NaN) is never one.
    """
    p, odds = as_float(p), as_float(odds)
    with np.errstate(invalid="ignore"):
        chosen = np.isfinite(p) & np.isfinite(odds) & (p * odds - 1.0 > edge)
        if min_odds is not None:
            chosen &= odds >= min_odds
    return chosen


def kelly_fraction(
    p: ArrayLike, odds: ArrayLike, *, fraction: float = KELLY_FRACTION, cap: float = KELLY_CAP
) -> np.ndarray | float:
    """Share of the bankroll to stake: ``fraction`` × Kelly (p·O − 1)/(O − 1), at most ``cap``, 0 when no edge.

    A fraction of Kelly with a cap, because overestimating the edge twofold already makes full
    Kelly lose money. Missing probabilities or odds stake nothing.
    """
    probs, price = np.broadcast_arrays(as_float(p), as_float(odds))
    with np.errstate(divide="ignore", invalid="ignore"):
        full = (probs * price - 1.0) / (price - 1.0)
    full = np.where(np.isfinite(full) & (price > 1.0) & (full > 0), full, 0.0)
    out = np.minimum(full * fraction, cap)
    return float(out) if np.ndim(out) == 0 else out


def kelly_stake(fraction: float, bankroll: Decimal = VALUE_BET_BANKROLL) -> Decimal:
    """The stake a Kelly ``fraction`` of ``bankroll`` comes to, rounded down to the cent."""
    return Decimal(f"{fraction * float(bankroll):.6f}").quantize(CENT, rounding=ROUND_DOWN)
