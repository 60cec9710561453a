"""The races a backtest reads, as numpy columns: runners, the predictions each race is bet with, rapports.

A fixed number of queries whatever the number of races: the runners (with one version's
predictions joined; walk-forward, the versions and their predictions in two more) and the
rapports of the bet type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import FilteredRelation, Q

from courses.models import Dividend, RaceStatus, Runner, RunnerStatus

from ...models import ModelKind, ModelVersion, Prediction
from .strategy import Strategy

# -- loading: one frame of runners ----------------------------------------------------------------------

_RUNNER_COLUMNS = (
    "id", "race_id", "saddle_number", "status", "position", "placed", "morning_odds", "final_odds",
    "final_place_odds", "horse__name", "race__status", "race__source", "race__meeting__date",
    "race__meeting__number", "race__number", "race__meeting__racecourse__name",
)  # fmt: skip
# A race only versions trained on it predicted: one of the races "no prediction made before the race".
TRAINED_ON = "of which predicted only by versions trained on the race"
_PREDICTION_COLUMNS = ("pred__win_probability", "pred__place_probability", "pred__rank", "pred__odds")


@dataclass
class Frame:
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
    odds: np.ndarray  # the odds bets are judged on (see ``_market_odds``), NaN: none
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


def _cents(values: Iterable) -> np.ndarray:
    return np.array([-1 if v is None else int(v * 100) for v in values], dtype=np.int64)


def _floats(values: Iterable) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


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


def _market_odds(frame: Frame, morning: np.ndarray, final: np.ndarray, morning_decimal: list,
                 final_decimal: list) -> tuple[np.ndarray, list]:  # fmt: skip
    """Final odds where every runner of the race that runs has them, else morning odds where every
    one has those, never a mix (as the value bets and the market baseline judge them)."""
    runs = frame.runs

    def complete(column: np.ndarray) -> np.ndarray:
        return (frame.per_race(runs & np.isnan(column)) == 0)[frame.race]

    use_final = complete(final)
    use_morning = ~use_final & complete(morning)
    odds = np.where(use_final, final, np.where(use_morning, morning, np.nan))
    odds[~runs] = np.nan
    decimals = [
        (f if uf else m if um else None) if r else None
        for f, m, uf, um, r in zip(final_decimal, morning_decimal, use_final, use_morning, runs, strict=True)
    ]
    return odds, decimals


def frame_load(q: Q, *, model_version: ModelVersion | None = None) -> Frame:
    """The runners matching ``q`` (a Q on Runner) in one query; with ``model_version``, its predictions joined."""
    columns = list(_RUNNER_COLUMNS)
    queryset = Runner.objects.filter(q)
    if model_version is not None:
        queryset = queryset.annotate(
            pred=FilteredRelation("predictions", condition=Q(predictions__model_version=model_version))
        )
        columns += _PREDICTION_COLUMNS
    rows = list(
        queryset.order_by("race__meeting__date", "race__meeting__number", "race__number", "saddle_number")
        .values_list(*columns)
    )
    column = dict(zip(columns, zip(*rows, strict=True), strict=True)) if rows else {c: () for c in columns}
    race_ids = np.array(column["race_id"], dtype=np.int64)
    # Rows come race by race: a race starts where the race id changes.
    starts = np.r_[True, race_ids[1:] != race_ids[:-1]] if race_ids.size else np.zeros(0, dtype=bool)
    first = np.flatnonzero(starts)
    race = np.cumsum(starts) - 1
    status = np.array(column["status"], dtype=object)
    race_status = np.array([column["race__status"][i] for i in first], dtype=object)
    dates = [column["race__meeting__date"][i] for i in first]
    frame = Frame(
        runner_id=np.array(column["id"], dtype=np.int64),
        race=race.astype(np.int64),
        saddle=np.array(column["saddle_number"], dtype=np.int64),
        runs=(status != RunnerStatus.NON_PARTANT) & (race_status[race] != RaceStatus.CANCELLED),
        scratched=status == RunnerStatus.NON_PARTANT,
        position=_floats(column["position"]),
        placed=_floats(column["placed"]),
        final_cents=_cents(column["final_odds"]),
        place_cents=_cents(column["final_place_odds"]),
        odds=np.zeros(0),
        odds_decimal=[],
        place_odds_decimal=list(column["final_place_odds"]),
        horse=list(column["horse__name"]),
        race_id=race_ids[first],
        race_day=np.array([d.toordinal() for d in dates], dtype=np.int64),
        race_date=dates,
        race_code=[f"R{column['race__meeting__number'][i]}C{column['race__number'][i]}" for i in first],
        racecourse=[column["race__meeting__racecourse__name"][i] for i in first],
        race_status=race_status,
        race_source=np.array([column["race__source"][i] for i in first], dtype=object),
    )
    frame.odds, frame.odds_decimal = _market_odds(
        frame, _floats(column["morning_odds"]), _floats(column["final_odds"]),
        list(column["morning_odds"]), list(column["final_odds"]),
    )  # fmt: skip
    n = len(frame)
    frame.p, frame.place_p = np.full(n, np.nan), np.full(n, np.nan)
    frame.rank = np.zeros(n, dtype=np.int64)
    frame.version = np.full(frame.n_races, -1, dtype=np.int64)
    if model_version is not None:
        rows_predicted = np.array([v is not None for v in column["pred__win_probability"]], dtype=bool)
        _attach(frame, np.flatnonzero(rows_predicted), np.zeros(int(rows_predicted.sum()), dtype=np.int64),
                [column[c] for c in _PREDICTION_COLUMNS], rows_predicted)  # fmt: skip
        frame.versions = [model_version.version]
    return frame


def _attach(frame: Frame, rows: np.ndarray, version: np.ndarray, values: list, mask: np.ndarray | None = None) -> None:
    """Put predictions (win, place, rank, odds columns) on frame ``rows``, made by ``version`` (per row)."""
    win, place, rank, odds = values
    pick = (lambda column: [column[i] for i in np.flatnonzero(mask)]) if mask is not None else list
    frame.p[rows] = _floats(pick(win))
    frame.place_p[rows] = _floats(pick(place))
    frame.rank[rows] = np.array(pick(rank), dtype=np.int64) if rows.size else 0
    frame.version[frame.race[rows]] = version
    # A non-partant has no odds at the off: judge (and report) it at the odds its prediction used.
    for row, price in zip(rows.tolist(), pick(odds), strict=True):
        if frame.scratched[row] and price is not None:
            frame.odds[row], frame.odds_decimal[row] = float(price), price


def _eligible_versions() -> list[tuple[int, str, str, dt.date | None]]:
    """(id, version, kind, trained_until) of every version that may bet, lowest priority first.

    A trained version ranks by its training window's end (the latest wins, as the history page
    chooses); the market baseline ranks below every trained version.
    """
    versions = ModelVersion.objects.filter(Q(kind=ModelKind.MARKET) | Q(trained_until__isnull=False)).values_list(
        "id", "version", "kind", "trained_until"
    )
    return sorted(versions, key=lambda v: (v[2] != ModelKind.MARKET, v[3] or dt.date.min, v[1]))


def walk_forward_attach(frame: Frame, q: Q, *, skipped: dict) -> None:
    """Per race, the predictions of the latest version trained before the race's day (two queries)."""
    versions = _eligible_versions()
    if not versions or not len(frame):
        return
    priority = {vid: i for i, (vid, *_rest) in enumerate(versions)}
    never = dt.date.max.toordinal()
    until = np.array([never if kind == ModelKind.MARKET else d.toordinal() for _, _, kind, d in versions])
    market = np.array([kind == ModelKind.MARKET for _, _, kind, _ in versions])
    rows = list(
        Prediction.objects.filter(q, model_version_id__in=list(priority)).values_list(
            "runner_id", "model_version_id", "win_probability", "place_probability", "rank", "odds"
        )
    )
    if not rows:
        return
    runner_ids, version_ids, *values = zip(*rows, strict=True)
    order = np.argsort(frame.runner_id)
    at = order[np.searchsorted(frame.runner_id, np.array(runner_ids), sorter=order)]
    prio = np.array([priority[v] for v in version_ids], dtype=np.int64)
    race = frame.race[at]
    allowed = market[prio] | (until[prio] < frame.race_day[race])
    prio = np.where(allowed, prio, -1)
    best = np.full(frame.n_races, -1, dtype=np.int64)
    np.maximum.at(best, race, prio)
    keep = allowed & (prio == best[race])
    _attach(frame, at[keep], prio[keep], [[column[i] for i in np.flatnonzero(keep)] for column in values])
    frame.versions = [version for _, version, _, _ in versions]
    trained_on = len(set(frame.race[at[~allowed]].tolist()) - set(race[keep].tolist()))
    if trained_on:
        skipped[TRAINED_ON] = trained_on


def single_version_guard(frame: Frame, version: ModelVersion, *, skipped: dict) -> None:
    """Drop the version's predictions on races it was trained on (a race dated on or before its ``trained_until``)."""
    if version.kind == ModelKind.MARKET or version.trained_until is None:
        return  # the market learns nothing from results; a version without a window is taken at its word
    seen = frame.race_day[frame.race] <= version.trained_until.toordinal()
    predicted = seen & np.isfinite(frame.p)
    if predicted.any():
        skipped[TRAINED_ON] = int(np.unique(frame.race[predicted]).size)
    frame.p[seen], frame.place_p[seen], frame.rank[seen] = np.nan, np.nan, 0
    frame.version[frame.race_day <= version.trained_until.toordinal()] = -1


# -- rapports ---------------------------------------------------------------------------------------------


@dataclass
class Rapports:
    bet_type: str
    present: np.ndarray  # per race: the race has rapports of this bet type
    simple: dict  # (race index, saddle) -> cents
    combination: dict  # (race index, frozenset of saddles) -> cents


def rapports_load(frame: Frame, q: Q, bet_type: str) -> Rapports:
    """The bet type's rapport lines of the frame's races, one query. Refund lines ("5-NP") are left out."""
    index = {int(r): i for i, r in enumerate(frame.race_id.tolist())}
    present = np.zeros(frame.n_races, dtype=bool)
    simple, combination = {}, {}
    for race_id, text, amount in Dividend.objects.filter(q, bet_type=bet_type).values_list(
        "race_id", "combination", "amount"
    ):
        race = index.get(race_id)
        if race is None:
            continue
        present[race] = True
        parts = text.strip().split("-")
        if not all(part.strip().isdigit() for part in parts):
            continue
        saddles = [int(part) for part in parts]
        cents = int(amount * 100)
        if len(saddles) == 1:
            simple[(race, saddles[0])] = cents
        else:
            combination[(race, frozenset(saddles))] = cents
    return Rapports(bet_type=bet_type, present=present, simple=simple, combination=combination)
