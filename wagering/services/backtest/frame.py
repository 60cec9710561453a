"""The races a backtest reads, as numpy columns: runners, the predictions each race is bet with, rapports.

A fixed number of queries whatever the number of races: the runners (``runner_columns``, with one
version's predictions joined; else the prediction each race is judged by, ``pre_race``, in three more) and
the rapports of the bet type. ``/metrics`` reads its races through the same frame.

A race with a prediction is judged at the odds that prediction saw (at the off for a published one: what a
punter betting on it saw); the others at the market's odds (``RunnerColumns.market_odds``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q

from courses.models import RunnerStatus
from predictions.models import ModelKind, ModelVersion
from predictions.services.runners import RunnerColumns, runner_columns

from ..pre_race import PreRace, pre_race_predictions
from ..settlement import cents
from .strategy import Strategy

# -- the frame: runners by race -------------------------------------------------------------------------


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
    odds: np.ndarray  # the odds bets are judged on (the prediction's, else the market view's), NaN: none
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
    # The predictions each race is bet with (NaN / 0 / -1 / "" where there is none).
    p: np.ndarray = field(default=None)
    place_p: np.ndarray = field(default=None)
    market_p: np.ndarray = field(default=None)  # the market's probability when the prediction was made
    rank: np.ndarray = field(default=None)
    version: np.ndarray = field(default=None)  # per race: index into ``versions``
    versions: list = field(default_factory=list)
    basis: np.ndarray = field(default=None)  # per race: ``pre_race.PUBLISHED`` or ``WALK_FORWARD`` ("" otherwise)
    trained_on: np.ndarray = field(default=None)  # per race: none to judge it by, but versions trained on it spoke

    def __len__(self) -> int:
        return int(self.runner_id.size)

    @property
    def n_races(self) -> int:
        return int(self.race_id.size)

    def per_race(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.race, weights=values, minlength=self.n_races)

    def judged_by(self, races: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
        """Of ``races`` (indexes), how many each version's prediction judged, and how many on each basis."""
        versions: dict[str, int] = {}
        bases: dict[str, int] = {}
        for race in np.asarray(races, dtype=np.int64).tolist():
            if self.version[race] >= 0:
                name = self.versions[int(self.version[race])]
                versions[name] = versions.get(name, 0) + 1
            if self.basis[race]:
                bases[self.basis[race]] = bases.get(self.basis[race], 0) + 1
        return versions, bases


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
        market_p=np.full(n, np.nan),
        rank=np.zeros(n, dtype=np.int64),
    )
    frame.version = np.full(frame.n_races, -1, dtype=np.int64)
    frame.basis = np.full(frame.n_races, "", dtype=object)
    frame.trained_on = np.zeros(frame.n_races, dtype=bool)
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
    """The runners matching ``q`` (a Q on Runner) in one query; with ``model_version``, its predictions joined,
    except on the races it was trained on (``single_version_guard``)."""
    runners = runner_columns(q, model_version=model_version)
    frame = _frame_of(runners)
    if model_version is not None:
        rows = np.flatnonzero(np.isfinite(runners.win_probability))
        rows = rows[single_version_guard(frame, model_version, rows)]
        _attach(
            frame,
            rows,
            np.zeros(rows.size, dtype=np.int64),
            runners.win_probability[rows],
            runners.place_probability[rows],
            runners.market_probability[rows],
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
    market: np.ndarray,
    rank: np.ndarray,
    odds: list,
    basis: np.ndarray | None = None,
) -> None:
    """Put predictions (win, place, the market's p and the odds they saw, rank) on frame ``rows``, made by
    ``version`` (per row), on the ``basis`` of each row's race."""
    races = frame.race[rows]
    frame.p[rows] = win
    frame.place_p[rows] = place
    frame.market_p[rows] = market
    frame.rank[rows] = rank
    frame.version[races] = version
    if basis is not None:
        frame.basis[races] = basis
    # A predicted race is judged at the odds its prediction saw: what a punter betting on it saw (a runner it
    # did not price has none; a non-partant keeps the odds it had before it was scratched).
    judged = np.zeros(frame.n_races, dtype=bool)
    judged[races] = True
    for row in np.flatnonzero(judged[frame.race]).tolist():
        frame.odds[row], frame.odds_decimal[row] = np.nan, None
    for row, price in zip(rows.tolist(), odds, strict=True):
        if price is not None:
            frame.odds[row], frame.odds_decimal[row] = float(price), price


def pre_race_attach(frame: BacktestFrame, q: Q, *, published: bool = True) -> None:
    """Per race, the prediction it is judged by (``pre_race``: published at its off, else walk-forward; with
    ``published=False`` the walk-forward rule alone); ``q`` reaches the frame's runners through ``runner__``."""
    judged: PreRace = pre_race_predictions(q, published=published)
    frame.versions = judged.versions
    at, rows = judged.rows_of(frame.runner_id)
    _attach(
        frame,
        at,
        judged.version[rows],
        judged.win[rows],
        judged.place[rows],
        judged.market[rows],
        judged.rank[rows],
        [judged.odds[i] for i in rows.tolist()],
        judged.basis[rows],
    )
    frame.trained_on = np.isin(frame.race_id, judged.trained_on) & (frame.version < 0)


def single_version_guard(frame: BacktestFrame, version: ModelVersion, rows: np.ndarray) -> np.ndarray:
    """Which of the version's prediction ``rows`` it may be judged by: none on a race it was trained on (dated on
    or before its ``trained_until``); those races are flagged ``trained_on``."""
    if version.kind == ModelKind.MARKET or version.trained_until is None:
        return np.ones(rows.size, dtype=bool)  # the market learns nothing from results; no window: its word
    seen = frame.race_day[frame.race[rows]] <= version.trained_until.toordinal()
    frame.trained_on[frame.race[rows[seen]]] = True
    return ~seen
