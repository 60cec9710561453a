"""Reads of what bets pay: the day's value bets, the model's metrics and ROI, the reference backtest, the
prediction history with its profit."""

from .backtest import backtest_run
from .history import prediction_history
from .metrics import metrics_by_month, metrics_compute
from .value_bets import value_bet_list

__all__ = ["backtest_run", "metrics_by_month", "metrics_compute", "prediction_history", "value_bet_list"]
