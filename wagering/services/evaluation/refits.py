"""The model report's walk-forward refits: test windows, a refit at the start of each on the races before it,
the window predicted."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q

from courses.models import RaceStatus
from predictions.services.features import FeatureFrame, feature_rows_of, features_from_frame
from predictions.services.races import Races
from predictions.services.training import market_view, race_model_fit, strict_market, training_data

from ..model_scores import Scored
from ..rapports import win_dividends
from .datasets import DataSet
from .evaluate import payouts
from .residual import RESIDUAL_VARIANTS, residual_development, residual_refit, residual_win


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def refit_windows(last_day: dt.date, test_months: int, refit_months: int) -> list[tuple[dt.date, dt.date]]:
    """The test period (the last ``test_months`` ending on ``last_day``) cut into refit windows."""
    start = _add_months(last_day, -test_months) + dt.timedelta(days=1)
    windows = []
    while start <= last_day:
        end = min(_add_months(start, refit_months) - dt.timedelta(days=1), last_day)
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows


def development_windows(dataset: DataSet, test_start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The test period's refit windows shifted back by the period's length: the same cut, just before it."""
    start, windows = _add_months(test_start, -dataset.test_months), []
    while start < test_start:
        end = min(_add_months(start, dataset.refit_months) - dt.timedelta(days=1), test_start - dt.timedelta(days=1))
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows


@dataclass
class Refits:
    dataset: DataSet
    scored: Scored
    windows: list[dict]
    seconds: float
    test_races: int
    # Aligned with ``scored``: each runner's finishing position (NaN: not classified) and the γ/δ of the
    # refit that priced its race — what the finishing-order evaluation (``combinations``) reads.
    positions: np.ndarray | None = None
    gamma: np.ndarray | None = None
    delta: np.ndarray | None = None
    development: dict = field(default_factory=dict)  # the residual model's variants on the development windows
    morning_odds: np.ndarray | None = None  # the test rows' morning odds, row for row with ``scored``


def walk_forward_refits(
    dataset: DataSet, *, params: dict | None = None, progress: Callable[[str], None] | None = None
) -> Refits:
    """Refit at the start of each test window on the races strictly before it; predict the window."""
    clock = time.perf_counter()
    raw = feature_rows_of(source=dataset.source)
    if not len(raw):
        raise ValueError(f"no {dataset.source} races in the database")
    data = features_from_frame(raw, np.ones(len(raw), dtype=bool)).data
    finished = (data["race_status"] == RaceStatus.FINISHED).to_numpy() & data["has_winner"].to_numpy()
    last_day = max(data.loc[finished, "date"])
    windows = refit_windows(last_day, dataset.test_months, dataset.refit_months)
    dividends = win_dividends(Q(race__source=dataset.source)) if dataset.use_dividends else None
    if progress:
        progress(f"{dataset.key}: residual model on the development windows")
    development = residual_development(data, finished, development_windows(dataset, windows[0][0]))
    residual_columns = RESIDUAL_VARIANTS[development["chosen"]]

    parts: list[Scored] = []
    orders: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    morning: list[np.ndarray] = []
    reports: list[dict] = []
    for start, end in windows:
        if progress:
            progress(f"{dataset.key}: refit for {start}..{end}")
        dates = data["date"]
        before = data.loc[(dates < start).to_numpy() & finished].reset_index(drop=True)
        train = training_data(FeatureFrame(before))
        fit = race_model_fit(train, params=params)
        residual = residual_refit(before, residual_columns)
        model = fit.model
        test = data.loc[((dates >= start) & (dates <= end)).to_numpy() & finished].reset_index(drop=True)
        if not len(test):
            continue
        races = Races.of(test["race_id"].to_numpy())
        scores = model.scores(test.loc[:, model.features].to_numpy(dtype=np.float32))
        partial = market_view(test["final_odds"].to_numpy(), test["morning_odds"].to_numpy(), races)
        probabilities = {
            "market": strict_market(test, races),
            "fundamental": model.fundamental(scores, races),
            "combined": model.combined(scores, partial, races),
            "residual": residual_win(residual, test),
            "residual_ungated": residual_win(residual.ungated(), test),
        }
        if dataset.benchmark == "rated_price":
            rated = test["rated_price"].to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                implied = np.where(rated >= 1.0, 1.0 / rated, np.nan)
            total = races.sum(np.nan_to_num(implied))[races.codes]
            incomplete = (races.sum(np.isnan(implied).astype(float)) > 0)[races.codes]
            probabilities["rated_price"] = np.where(incomplete, np.nan, implied / total)
        morning.append(test["morning_odds"].to_numpy(dtype=float))
        column = "final_odds" if dataset.decision_odds == "final" else "morning_odds"
        odds = test[column].to_numpy(dtype=float)
        parts.append(
            Scored(
                race_id=test["race_id"].to_numpy(),
                saddle=test["saddle"].to_numpy(),
                won=test["won"].to_numpy(),
                odds=odds,
                payout=payouts(test, odds=odds, dividends=dividends),
                probabilities=probabilities,
            )
        )
        size = len(test)
        orders.append((test["position"].to_numpy(dtype=float), np.full(size, model.gamma), np.full(size, model.delta)))
        reports.append(
            {
                "test_start": str(start),
                "test_end": str(end),
                "test_races": races.n,
                "train_races": train.races.n,
                "train_from": str(min(data.loc[(dates < start).to_numpy() & finished, "date"])),
                "rounds": fit.rounds,
                **{k: v for k, v in model.calibration().items() if k != "standard_errors"},
                "alpha_se": model.standard_errors.get("alpha"),
                "residual": residual.summary(),
            }
        )
    scored = Scored(
        race_id=np.concatenate([p.race_id for p in parts]),
        saddle=np.concatenate([p.saddle for p in parts]),
        won=np.concatenate([p.won for p in parts]),
        odds=np.concatenate([p.odds for p in parts]),
        payout=np.concatenate([p.payout for p in parts]),
        probabilities={name: np.concatenate([p.probabilities[name] for p in parts]) for name in parts[0].probabilities},
    )
    positions, gamma, delta = (np.concatenate(column) for column in zip(*orders, strict=True))
    return Refits(
        dataset,
        scored,
        reports,
        time.perf_counter() - clock,
        Races.of(scored.race_id).n,
        positions,
        gamma,
        delta,
        development=development,
        morning_odds=np.concatenate(morning),
    )
