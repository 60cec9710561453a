"""Measuring models on real races: a stored version on a window, and the walk-forward behind docs/MODEL.md.

Every comparison is on the *same* races: a race counts only when every model being compared
(the market baseline included) prices every runner in it. The walk-forward computes the
features once per data set (they are time-safe by construction) and refits the race model at
the start of each test window on the races dated strictly before it — never on anything after.

Value bets: a flat 1-unit win bet on each runner with p × odds − 1 > ``edge`` at odds ≥
``min_odds`` (the product's defaults), judged at the odds the market view uses and settled as
the data allows: Hong Kong by the official win dividends, Betfair at the BSP less 5% commission
on net winnings, the PMU CSV at its morning odds (it has neither final odds nor rapports, so
that ROI is hypothetical). ROI intervals are bootstrap 95% intervals over races.

Modules: ``metrics`` (settling and scoring a set of predictions; a stored version on a window),
``datasets`` (the real data sets and their import), ``walk_forward`` (the refits and their test
windows), ``report`` (docs/MODEL.md).
"""

from .datasets import DATASETS, DataSet, ensure_imported
from .metrics import BOOTSTRAP_DRAWS, EDGE, MIN_ODDS, Scored, model_evaluate, payouts, score_models
from .report import dataset_section, model_report, model_report_markdown
from .walk_forward import WalkForward, walk_forward, walk_forward_windows

__all__ = [
    "BOOTSTRAP_DRAWS",
    "DATASETS",
    "EDGE",
    "MIN_ODDS",
    "DataSet",
    "Scored",
    "WalkForward",
    "dataset_section",
    "ensure_imported",
    "model_evaluate",
    "model_report",
    "model_report_markdown",
    "payouts",
    "score_models",
    "walk_forward",
    "walk_forward_windows",
]
