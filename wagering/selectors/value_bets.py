"""The day's value bets, as ``GET valuebets`` and the value-bets page list them.

The odds a value bet is judged on are the market view's: final odds where every runner that runs in
the race has them, else morning odds. For a finished race that means betting at the final (starting)
price, as a Betfair BSP backtest does; for today's races, the morning price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db.models import Q

from courses.clock import not_gone_off
from predictions.services.runners import runner_columns
from predictions.services.versions import VersionArg, model_version_resolve

from ..services.value import (
    VALUE_BET_BANKROLL,
    VALUE_BET_EDGE,
    VALUE_BET_MIN_ODDS,
    expected_value,
    kelly_fraction,
    kelly_stake,
    value_bet_mask,
)


def value_bet_list(
    *,
    day: dt.date,
    min_odds: float = VALUE_BET_MIN_ODDS,
    edge: float = VALUE_BET_EDGE,
    model_version: VersionArg = None,
    bankroll: Decimal = VALUE_BET_BANKROLL,
    now: dt.datetime | None = None,
) -> list[dict]:
    """The day's runners the version rates above their odds, best expected value first, with a ¼-Kelly stake.

    Only races that have not gone off at ``now`` are read (a bet on a race run is no bet), and only runners
    that run (a non-partant is never listed). A runner whose ¼-Kelly stake on ``bankroll`` rounds down to
    nothing (an edge of a few hundredths of a percent) is left out: the list says what to back and how much,
    and backing nothing is not a bet.
    """
    version = model_version_resolve(model_version)
    if version is None:
        return []
    frame = runner_columns(Q(race__meeting__date=day) & not_gone_off(now, prefix="race__"), model_version=version)
    odds, odds_decimal = frame.market_odds()
    index = np.flatnonzero(frame.runs & value_bet_mask(frame.win_probability, odds, edge=edge, min_odds=min_odds))
    ev = expected_value(frame.win_probability[index], odds[index])
    kelly = kelly_fraction(frame.win_probability[index], [odds_decimal[i] for i in index])
    bets = []
    for i, value, k in zip(index.tolist(), np.atleast_1d(ev).tolist(), np.atleast_1d(kelly).tolist(), strict=True):
        stake = kelly_stake(k, bankroll)
        if not stake:
            continue
        bets.append(
            {
                **frame.races[int(frame.race_id[i])].fields(),
                "runner_id": int(frame.runner_id[i]),
                "saddle_number": int(frame.saddle[i]),
                "horse": frame.horse[i],
                "odds": odds_decimal[i],
                "win_probability": float(frame.win_probability[i]),
                "expected_value": float(value),
                "kelly_fraction": float(k),
                "stake": stake,
                "model_version": version.version,
            }
        )
    bets.sort(key=lambda bet: (-bet["expected_value"], bet["race_code"], bet["saddle_number"]))
    return bets
