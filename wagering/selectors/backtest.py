"""The reference strategy's backtest (``GET backtest`` and the bets CSV): flat stakes on every value bet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from predictions.services.versions import VersionArg, model_version_resolve

from ..services.backtest import Strategy, backtest
from ..services.value import VALUE_BET_BANKROLL, VALUE_BET_EDGE, VALUE_BET_MIN_ODDS

ANSWER = ("model_version", "bets", "unsettled", "summary", "skipped", "versions", "basis")


def backtest_run(
    *,
    start: dt.date,
    end: dt.date,
    edge: float = VALUE_BET_EDGE,
    min_odds: float = VALUE_BET_MIN_ODDS,
    stake: Decimal | int = 1,
    model_version: VersionArg = None,
    bankroll: Decimal | int = VALUE_BET_BANKROLL,
) -> dict:
    """The default strategy: a flat ``stake`` on every value bet (simple gagnant) of the window, in race order.

    Each race is bet with the prediction published before it (else the walk-forward one), whatever model is
    active now; with ``model_version``, with that version's predictions, never on a race it was trained on.
    Returns ``bets`` (settled, with the running bankroll), ``unsettled`` (bets on races with no result, with
    the reason), ``summary``, ``skipped`` (races left out, by reason), ``versions`` and ``basis`` (races bet
    per version and per basis of their prediction).
    """
    version = model_version_resolve(model_version) if model_version is not None else None
    strategy = Strategy(
        selection="value", edge=edge, min_odds=min_odds, stake=Decimal(stake), bankroll=Decimal(bankroll)
    )
    result = backtest(strategy=strategy, start=start, end=end, model_version=version, baselines=False)
    return {key: result[key] for key in ANSWER}
