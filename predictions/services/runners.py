"""Runners of a set of races as numpy columns, loaded in one query whatever the number of races.

Scoring, metrics, value bets and backtests all start from the same frame (``runner_columns``): one row
per runner in programme order (date, R, C, saddle), the race's details beside it, and, when a model
version is given, that version's prediction for the runner (NaN where it made none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import FilteredRelation, Q

from courses.models import RaceStatus, Runner, RunnerStatus, race_code

from ..models import ModelVersion

_RUNNER_COLUMNS = (
    "id",
    "race_id",
    "saddle_number",
    "status",
    "position",
    "placed",
    "morning_odds",
    "final_odds",
    "final_place_odds",
    "horse__name",
    "race__status",
    "race__source",
    "race__meeting__date",
    "race__meeting__number",
    "race__number",
    "race__name",
    "race__start_time",
    "race__meeting__racecourse__name",
    "race__meeting__racecourse__code",
)
_CARD_COLUMNS = ("jockey__name", "trainer__name")
_PREDICTION_COLUMNS = (
    "pred__win_probability",
    "pred__place_probability",
    "pred__market_probability",
    "pred__rank",
    "pred__odds",
)
_EXPLANATION_COLUMN = "pred__explanation"
_SCORED_AT_COLUMN = "pred__scored_at"


@dataclass(frozen=True)
class RaceInfo:
    race_id: int
    date: dt.date
    code: str
    name: str
    racecourse: str
    racecourse_code: str
    start_time: dt.datetime | None
    status: str
    source: str

    def fields(self) -> dict:
        """The race's fields as a selection row shows them (picks, value bets)."""
        return {
            "race_id": self.race_id,
            "date": self.date,
            "race_code": self.code,
            "race_name": self.name,
            "racecourse": self.racecourse,
            "racecourse_code": self.racecourse_code,
            "start_time": self.start_time,
        }


@dataclass
class RunnerColumns:
    """One row per runner; floats are NaN where the database has NULL."""

    runner_id: np.ndarray
    race_id: np.ndarray
    saddle: np.ndarray
    status: np.ndarray
    position: np.ndarray
    placed: np.ndarray  # 1 / 0 as the source says
    morning_odds: np.ndarray
    final_odds: np.ndarray
    race_status: np.ndarray
    # Decimals exactly as stored, for the rows that keep them (Prediction.odds) and for settlement.
    morning_odds_decimal: list[Decimal | None]
    final_odds_decimal: list[Decimal | None]
    final_place_odds_decimal: list[Decimal | None]
    horse: list[str]
    races: dict[int, RaceInfo]  # in programme order
    jockey: list[str | None] = field(default_factory=list)
    trainer: list[str | None] = field(default_factory=list)
    win_probability: np.ndarray | None = None
    place_probability: np.ndarray | None = None
    market_probability: np.ndarray | None = None
    rank: np.ndarray | None = None
    prediction_odds: list[Decimal | None] = field(default_factory=list)
    explanation: list[list | None] = field(default_factory=list)
    scored_at: list[dt.datetime | None] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.runner_id.size)

    @property
    def runs(self) -> np.ndarray:
        """Runners that take part: everyone but the non-partants, in races that were not cancelled."""
        return (self.status != RunnerStatus.NON_PARTANT) & (self.race_status != RaceStatus.CANCELLED)

    def market_odds(self) -> tuple[np.ndarray, list[Decimal | None]]:
        """The odds the market view uses, per runner that runs (NaN / None otherwise).

        Final odds where every runner that runs in the race has them, else morning odds where
        every one has those (today's races), else none: odds are never mixed within a race, and
        a partially priced race has no market view (see ``market_probabilities``).
        """
        runs = self.runs
        codes = np.unique(self.race_id, return_inverse=True)[1].reshape(-1)
        n_races = int(codes.max()) + 1 if codes.size else 0

        def complete(column: np.ndarray) -> np.ndarray:
            missing = np.bincount(codes, weights=runs & np.isnan(column), minlength=n_races)
            return (missing == 0)[codes]

        use_final = complete(self.final_odds)
        use_morning = ~use_final & complete(self.morning_odds)
        odds = np.where(use_final, self.final_odds, np.where(use_morning, self.morning_odds, np.nan))
        odds = np.where(runs, odds, np.nan)
        decimals = [
            (final if f else morning if m else None) if r else None
            for final, morning, f, m, r in zip(
                self.final_odds_decimal, self.morning_odds_decimal, use_final, use_morning, runs, strict=True
            )
        ]
        return odds, decimals

    def winners_per_race(self) -> dict[int, int]:
        """Race id -> how many runners that ran share first place (2+ = dead heat)."""
        first = self.runs & (self.position == 1)
        race_ids, counts = np.unique(self.race_id[first], return_counts=True)
        return dict(zip(race_ids.tolist(), counts.tolist(), strict=True))

    def take(self, mask: np.ndarray) -> RunnerColumns:
        """The rows where ``mask`` is true (races dict shared)."""
        index = np.flatnonzero(mask)

        def pick(values):
            if values is None:
                return None
            if isinstance(values, np.ndarray):
                return values[index]
            return [values[i] for i in index] if values else values

        return RunnerColumns(
            **{
                name: (self.races if name == "races" else pick(getattr(self, name)))
                for name in self.__dataclass_fields__
            }
        )


def _float(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def runner_columns(races: Q, *, model_version: ModelVersion | None = None, card: bool = False) -> RunnerColumns:
    """Every runner of the races matching ``races`` (a Q on Runner), in one query: the only loader of runners.

    With ``model_version``, that version's prediction columns come along through a LEFT JOIN;
    with ``card``, what a race card adds: the jockey's and trainer's names, the prediction's explanation and
    when it was scored.
    """
    columns = list(_RUNNER_COLUMNS)
    queryset = Runner.objects.filter(races)
    if card:
        columns += _CARD_COLUMNS
    if model_version is not None:
        queryset = queryset.annotate(
            pred=FilteredRelation("predictions", condition=Q(predictions__model_version=model_version))
        )
        columns += _PREDICTION_COLUMNS
        if card:
            columns += [_EXPLANATION_COLUMN, _SCORED_AT_COLUMN]
    rows = list(
        queryset.order_by("race__meeting__date", "race__meeting__number", "race__number", "saddle_number").values_list(
            *columns
        )
    )
    column = dict(zip(columns, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(columns, ())
    race_ids = np.array(column["race_id"], dtype=np.int64)
    # Rows come race by race: a race starts where the race id changes.
    first = np.flatnonzero(np.r_[True, race_ids[1:] != race_ids[:-1]]) if race_ids.size else []
    races = {
        column["race_id"][i]: RaceInfo(
            race_id=column["race_id"][i],
            date=column["race__meeting__date"][i],
            code=race_code(column["race__meeting__number"][i], column["race__number"][i]),
            name=column["race__name"][i],
            racecourse=column["race__meeting__racecourse__name"][i],
            racecourse_code=column["race__meeting__racecourse__code"][i],
            start_time=column["race__start_time"][i],
            status=column["race__status"][i],
            source=column["race__source"][i],
        )
        for i in first
    }
    frame = RunnerColumns(
        runner_id=np.array(column["id"], dtype=np.int64),
        race_id=race_ids,
        saddle=np.array(column["saddle_number"], dtype=np.int64),
        status=np.array(column["status"], dtype=object),
        position=_float(column["position"]),
        placed=_float(column["placed"]),
        morning_odds=_float(column["morning_odds"]),
        final_odds=_float(column["final_odds"]),
        race_status=np.array(column["race__status"], dtype=object),
        morning_odds_decimal=list(column["morning_odds"]),
        final_odds_decimal=list(column["final_odds"]),
        final_place_odds_decimal=list(column["final_place_odds"]),
        horse=list(column["horse__name"]),
        races=races,
    )
    if card:
        frame.jockey = list(column["jockey__name"])
        frame.trainer = list(column["trainer__name"])
    if model_version is not None:
        frame.win_probability = _float(column["pred__win_probability"])
        frame.place_probability = _float(column["pred__place_probability"])
        frame.market_probability = _float(column["pred__market_probability"])
        frame.rank = _float(column["pred__rank"])
        frame.prediction_odds = list(column["pred__odds"])
        if card:
            frame.explanation = list(column[_EXPLANATION_COLUMN])
            frame.scored_at = list(column[_SCORED_AT_COLUMN])
    return frame
