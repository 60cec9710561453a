"""Measuring models on real races: a stored version on a window, and the walk-forward behind docs/MODEL.md.

Every comparison is on the *same* races: a race counts only when every model being compared
(the market baseline included) prices every runner in it. The walk-forward computes the
features once per data set (they are time-safe by construction) and refits the race model at
the start of each test window on the races dated strictly before it — never on anything after.

Value bets: a flat 1-unit win bet on each runner the one value-bet rule picks (``value``, the
product's defaults), judged at the odds the market view uses and settled as the data allows: Hong
Kong by the official win dividends, Betfair at the BSP less 5% commission on net winnings, the PMU
CSV at its morning odds (it has neither final odds nor rapports, so that ROI is hypothetical). ROI
intervals are bootstrap 95% intervals over races. The figures come from ``model_scores``, the
engine ``/metrics`` uses too.

Modules: ``evaluate`` (a stored version on a window), ``datasets`` (the real data sets and their
import), ``refits`` (the walk-forward refits and their test windows), ``residual`` (the residual model's
development choice, its refits and every model against the morning line), ``report`` (docs/MODEL.md).
"""

from .datasets import DATASETS, DataSet, ensure_imported
from .evaluate import model_evaluate, payouts
from .refits import Refits, refit_windows, walk_forward_refits
from .report import dataset_section, model_report, model_report_markdown

__all__ = [
    "DATASETS",
    "DataSet",
    "Refits",
    "dataset_section",
    "ensure_imported",
    "model_evaluate",
    "model_report",
    "model_report_markdown",
    "payouts",
    "refit_windows",
    "walk_forward_refits",
]
