"""Rows for the bets CSV export: the reference strategy's settled bets, as ``GET backtest`` lists them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .selectors import backtest_run

BET_COLUMNS = [
    "date",
    "race",
    "racecourse",
    "saddle_number",
    "horse",
    "odds",
    "probability",
    "expected_value",
    "stake",
    "return",
    "profit",
    "bankroll",
]


def bet_export_rows(*, start: dt.date, end: dt.date) -> Iterator[list]:
    """The default strategy's settled bets in the window, as ``GET /backtest`` lists them."""
    for bet in backtest_run(start=start, end=end)["bets"]:
        yield [
            bet["date"].isoformat(),
            bet["race_code"],
            bet["racecourse"],
            bet["saddle_number"],
            bet["horse"],
            bet["odds"],
            bet["probability"],
            bet["expected_value"],
            bet["stake"],
            bet["return"],
            bet["profit"],
            bet["bankroll"],
        ]
