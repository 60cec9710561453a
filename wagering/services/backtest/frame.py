"""The races a backtest reads, as numpy columns: runners, the predictions each race is bet with, rapports.

A fixed number of queries whatever the number of races: the runners (``runner_columns``, with one
version's predictions joined; walk-forward, the versions and their predictions in two more) and the
rapports of the bet type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q

from courses.models import RunnerStatus
from predictions.models import ModelKind, ModelVersion, Prediction
from predictions.services.runners import RunnerColumns, runner_columns

from ..settlement import cents
from ..walk_forward import walk_forward_candidates, walk_forward_choose, walk_forward_flag, walk_forward_order
from .strategy import Strategy

# -- the frame: runners by race -------------------------------------------------------------------------

# A race only versions trained on it predicted: one of the races "no prediction made before the race".
TRAINED_ON = "of which predicted only by versions trained on the race"


@dataclass
class BacktestFrame:
    """Runners in programme order (date, R, C, saddle) and their races; one row per runner."""

    runner_id: np.ndarray
    race: np.ndarray  # the runner's race as an index into the race columns below
    saddle: np.ndarray
    runs: np.ndarray  # takes part: not a non-partant, race not cancelled
    scratched: np.ndarray  # non-partant
    position: np.ndarray  # NaN: none recorded
    placed: np.ndarray  # 1 / 0 as the source says, NaN: not said
    final_cents: np.ndarray  # -1: no final odds
    place_cents: np.ndarray  # -1: no final place odds
    odds: np.ndarray  # the odds bets are judged on (the market view's, ``RunnerColumns.market_odds``), NaN: none
    odds_decimal: list
    place_odds_decimal: list
    horse: list
    race_id: np.ndarray
    race_day: np.ndarray  # date ordinals
    race_date: list
    race_code: list
    racecourse: list
    race_status: np.ndarray
    race_source: np.ndarray
    # The predictions each race is bet with (NaN / 0 / -1 where there is none).
    p: np.ndarray = field(default=None)
    place_p: np.ndarray = field(default=None)
    rank: np.ndarray = field(default=None)
    version: np.ndarray = field(default=None)  # per race: index into ``versions``
    versions: list = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.runner_id.size)

    @property
    def n_races(self) -> int:
        return int(self.race_id.size)

    def per_race(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.race, weights=values, minlength=self.n_races)


def _frame_of(runners: RunnerColumns) -> BacktestFrame:
    """The backtest's view of loaded runners (any rows of a ``runner_columns``, in its order), no predictions yet."""
    race_ids = runners.race_id
    # Rows come race by race: a race starts where the race id changes.
    starts = np.r_[True, race_ids[1:] != race_ids[:-1]] if race_ids.size else np.zeros(0, dtype=bool)
    races = [runners.races[int(r)] for r in race_ids[starts].tolist()]
    odds, odds_decimal = runners.market_odds()
    n = len(runners)
    frame = BacktestFrame(
        runner_id=runners.runner_id,
        race=(np.cumsum(starts) - 1).astype(np.int64),
        saddle=runners.saddle,
        runs=runners.runs,
        scratched=runners.status == RunnerStatus.NON_PARTANT,
        position=runners.position,
        placed=runners.placed,
        final_cents=cents(runners.final_odds_decimal),
        place_cents=cents(runners.final_place_odds_decimal),
        odds=odds,
        odds_decimal=odds_decimal,
        place_odds_decimal=runners.final_place_odds_decimal,
        horse=runners.horse,
        race_id=race_ids[starts],
        race_day=np.array([race.date.toordinal() for race in races], dtype=np.int64),
        race_date=[race.date for race in races],
        race_code=[race.code for race in races],
        racecourse=[race.racecourse for race in races],
        race_status=np.array([race.status for race in races], dtype=object),
        race_source=np.array([race.source for race in races], dtype=object),
        p=np.full(n, np.nan),
        place_p=np.full(n, np.nan),
        rank=np.zeros(n, dtype=np.int64),
    )
    frame.version = np.full(frame.n_races, -1, dtype=np.int64)
    return frame


def race_filter(strategy: Strategy, start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """The strategy's races in the window, as a Q on a model with a ``race`` foreign key (after ``prefix``)."""
    q = Q(**{f"{prefix}race__meeting__date__range": (start, end)})
    if strategy.discipline:
        q &= Q(**{f"{prefix}race__discipline__in": list(strategy.discipline)})
    if strategy.racecourse:
        courses = Q()
        for code in strategy.racecourse:  # codes mix cases ("ST", "BF-GBR-ascot"): match either way
            courses |= Q(**{f"{prefix}race__meeting__racecourse__code__iexact": code})
        q &= courses
    if strategy.quinte_only:
        q &= Q(**{f"{prefix}race__is_quinte": True})
    if strategy.source:
        q &= Q(**{f"{prefix}race__source": strategy.source})
    return q


def backtest_frame_load(q: Q, *, model_version: ModelVersion | None = None) -> BacktestFrame:
    """The runners matching ``q`` (a Q on Runner) in one query; with ``model_version``, its predictions joined."""
    runners = runner_columns(q, model_version=model_version)
    frame = _frame_of(runners)
    if model_version is not None:
        rows = np.flatnonzero(np.isfinite(runners.win_probability))
        _attach(
            frame,
            rows,
            np.zeros(rows.size, dtype=np.int64),
            runners.win_probability[rows],
            runners.place_probability[rows],
            runners.rank[rows],
            [runners.prediction_odds[i] for i in rows],
        )
        frame.versions = [model_version.version]
    return frame


def _attach(
    frame: BacktestFrame,
    rows: np.ndarray,
    version: np.ndarray,
    win: np.ndarray,
    place: np.ndarray,
    rank: np.ndarray,
    odds: list,
) -> None:
    """Put predictions (win, place, rank, the odds they used) on frame ``rows``, made by ``version`` (per row)."""
    frame.p[rows] = win
    frame.place_p[rows] = place
    frame.rank[rows] = rank
    frame.version[frame.race[rows]] = version
    # A non-partant has no odds at the off: judge (and report) it at the odds its prediction used.
    for row, price in zip(rows.tolist(), odds, strict=True):
        if frame.scratched[row] and price is not None:
            frame.odds[row], frame.odds_decimal[row] = float(price), price


def walk_forward_attach(frame: BacktestFrame, q: Q, *, skipped: dict) -> None:
    """Per race, the predictions the walk-forward rule picks (``walk_forward``), two queries: the versions
    that may qualify, and their predictions of the races, each flagged eligible or not."""
    versions = walk_forward_order(
        ModelVersion.objects.filter(walk_forward_candidates()).values_list(
            "id", "version", "kind", "trained_until", named=True
        )
    )
    if not versions or not len(frame):
        return
    rank = {v.id: i for i, v in enumerate(versions)}
    rows = list(
        Prediction.objects.filter(q, model_version_id__in=list(rank))
        .annotate(eligible=walk_forward_flag())
        .values_list(
            "runner_id", "model_version_id", "eligible", "win_probability", "place_probability", "rank", "odds"
        )
    )
    if not rows:
        return
    runner_ids, version_ids, eligible, win, place, ranks, odds = zip(*rows, strict=True)
    order = np.argsort(frame.runner_id)
    at = order[np.searchsorted(frame.runner_id, np.array(runner_ids), sorter=order)]
    prio = np.array([rank[v] for v in version_ids], dtype=np.int64)
    race = frame.race[at]
    allowed = np.array(eligible, dtype=bool)
    keep = walk_forward_choose(race=race, rank=prio, eligible=allowed)
    kept = np.flatnonzero(keep)
    _attach(
        frame,
        at[kept],
        prio[kept],
        np.array(win, dtype=float)[kept],
        np.array(place, dtype=float)[kept],
        np.array(ranks, dtype=np.int64)[kept],
        [odds[i] for i in kept.tolist()],
    )
    frame.versions = [v.version for v in versions]
    trained_on = len(set(race[~allowed].tolist()) - set(race[keep].tolist()))
    if trained_on:
        skipped[TRAINED_ON] = trained_on


def single_version_guard(frame: BacktestFrame, version: ModelVersion, *, skipped: dict) -> None:
    """Drop the version's predictions on races it was trained on (a race dated on or before its ``trained_until``)."""
    if version.kind == ModelKind.MARKET or version.trained_until is None:
        return  # the market learns nothing from results; a version without a window is taken at its word
    seen = frame.race_day[frame.race] <= version.trained_until.toordinal()
    predicted = seen & np.isfinite(frame.p)
    if predicted.any():
        skipped[TRAINED_ON] = int(np.unique(frame.race[predicted]).size)
    frame.p[seen], frame.place_p[seen], frame.rank[seen] = np.nan, np.nan, 0
    frame.version[frame.race_day <= version.trained_until.toordinal()] = -1
