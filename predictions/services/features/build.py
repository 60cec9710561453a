"""``feature_frame`` / ``feature_frames`` (which runners, what history is loaded) and the frame assembled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Max, Min, Q

from courses.models import RaceStatus, Runner, RunnerStatus

from ..feature_rows import feature_rows_load
from .history import HISTORY_DAYS, STANDARD_DAYS, _horse_features, _outcomes, _people_features
from .labels import FEATURE_LABELS, FUNDAMENTAL_FEATURES, ID_COLUMNS, MARKET_FEATURES
from .race import (
    _MUSIQUE_COLUMNS,
    DISCIPLINES,
    GOINGS,
    SEXES,
    SHOEING,
    SURFACES,
    _by_value,
    _class_number,
    _distance_band,
    _market_features,
    _musique_columns,
)
from .trail import _codes, _Columns, _race_rank_share, _race_relative

LOAD_DAYS = HISTORY_DAYS + STANDARD_DAYS

# Race days per block of ``feature_frames``: each block also loads the LOAD_DAYS before it, so
# longer blocks load less history twice and shorter ones hold less at once.
CHUNK_DAYS = 3 * 365


@dataclass
class FeatureFrame:
    """One row per target runner that runs (non-partants and cancelled races left out).

    ``data`` holds the identifiers (runner_id, race_id, date, source, saddle…), the outcome
    where known (position, ``won`` = 1/k for each of k dead-heaters, None-safe), the odds, and
    every feature column (float32, one block), in programme order (date, R, C, saddle).
    """

    data: pd.DataFrame

    @property
    def fundamental(self) -> list[str]:
        return list(FUNDAMENTAL_FEATURES)

    @property
    def market(self) -> list[str]:
        return list(MARKET_FEATURES)

    def __len__(self) -> int:
        return len(self.data)

    def matrix(self, columns: list[str] | tuple[str, ...] = FUNDAMENTAL_FEATURES) -> np.ndarray:
        return self.data.loc[:, list(columns)].to_numpy(dtype=np.float32)


def _target_filter(start, end, source, races, finished_only) -> Q:
    target_q = Q()
    if start is not None:
        target_q &= Q(race__meeting__date__gte=start)
    if end is not None:
        target_q &= Q(race__meeting__date__lte=end)
    if source is not None:
        target_q &= Q(race__source=source)
    if races is not None:
        target_q &= races
    if finished_only:
        target_q &= Q(race__status=RaceStatus.FINISHED)
    return target_q


# Non-partants and cancelled races take no part in anything (neither targets nor history).
_RUNS = ~Q(status=RunnerStatus.NON_PARTANT) & ~Q(race__status=RaceStatus.CANCELLED)


def feature_frame(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
    races: Q | None = None,
    finished_only: bool = False,
    chunk_days: int | None = None,
) -> FeatureFrame:
    """Features of every runner that runs in the races dated ``start``..``end`` (either may be open).

    ``source`` restricts both the targets and the history to one source; ``races`` (a Q on
    Runner) narrows the targets further; ``finished_only`` keeps only finished races as targets
    (training). One query for the rows, whatever the number of races — or, with ``chunk_days``,
    one per block of that many days (``feature_frames``, concatenated: the same frame).
    """
    if chunk_days is not None:
        parts = [
            part.data
            for part in feature_frames(
                start=start, end=end, source=source, races=races, finished_only=finished_only, chunk_days=chunk_days
            )
        ]
        if not parts:
            return _build(pd.DataFrame(), np.zeros(0, dtype=bool))
        return FeatureFrame(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    target_q = _target_filter(start, end, source, races, finished_only)
    # The history the trailing windows reach back to, plus the targets themselves.
    load_q = _RUNS & (Q(race__source=source) if source is not None else Q())
    if end is not None:
        load_q &= Q(race__meeting__date__lte=end)
    if start is not None:
        load_q &= Q(race__meeting__date__gte=start - dt.timedelta(days=LOAD_DAYS))
    frame = feature_rows_load(load_q)
    if not len(frame):
        return _build(frame, np.zeros(0, dtype=bool))
    if races is not None:
        # An arbitrary filter: let the database say which of the loaded runners it selects.
        target_ids = Runner.objects.filter(target_q).values_list("id", flat=True)
        target = frame["runner_id"].isin(set(target_ids)).to_numpy()
    else:
        target = np.ones(len(frame), dtype=bool)
        if start is not None:
            target &= (frame["date"] >= start).to_numpy()
        if finished_only:
            target &= (frame["race_status"] == RaceStatus.FINISHED).to_numpy()
    return _build(frame, target)


def feature_frames(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
    races: Q | None = None,
    finished_only: bool = False,
    chunk_days: int = CHUNK_DAYS,
) -> Iterator[FeatureFrame]:
    """``feature_frame``'s rows, ``chunk_days`` race days at a time (blocks without a runner skipped).

    Each block loads its own days and the LOAD_DAYS before them, no more: memory is bounded by
    a block and its history, not by the whole range. Every window is relative to the race's
    own date, so the blocks, concatenated, are ``feature_frame`` over the range, row for row.
    """
    if chunk_days < 1:
        raise ValueError("chunk_days must be at least 1")
    span = Runner.objects.filter(_RUNS & _target_filter(start, end, source, races, finished_only)).aggregate(
        first=Min("race__meeting__date"), last=Max("race__meeting__date")
    )
    if span["first"] is None:
        return
    block_start = span["first"]
    while block_start <= span["last"]:
        block_end = min(block_start + dt.timedelta(days=chunk_days - 1), span["last"])
        part = feature_frame(start=block_start, end=block_end, source=source, races=races, finished_only=finished_only)
        if len(part):
            yield part
        block_start = block_end + dt.timedelta(days=1)


def features_from_frame(frame: pd.DataFrame, target: np.ndarray) -> FeatureFrame:
    """Features of the ``target`` rows of an already loaded frame (the evaluation loads once)."""
    return _build(frame, target)


def feature_rows_of(*, source: str | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """Every runner that runs (of ``source``, up to ``end``) as the raw frame ``features_from_frame`` takes."""
    window = _RUNS
    if source is not None:
        window &= Q(race__source=source)
    if end is not None:
        window &= Q(race__meeting__date__lte=end)
    return feature_rows_load(window)


def _build(frame: pd.DataFrame, target: np.ndarray) -> FeatureFrame:
    if not len(frame):
        return FeatureFrame(pd.DataFrame(columns=[*ID_COLUMNS, "field", "won", "has_winner", *FEATURE_LABELS]))
    runs = (frame["status"] != RunnerStatus.NON_PARTANT).to_numpy() & (
        frame["race_status"] != RaceStatus.CANCELLED
    ).to_numpy()
    if not runs.all():  # the loaders leave them out already: no copy then
        frame = frame.loc[runs].reset_index(drop=True)
        target = np.asarray(target)[runs]
    target = np.asarray(target, dtype=bool)
    hist = (frame["race_status"] == RaceStatus.FINISHED).to_numpy()

    race_codes = _codes(frame["race_id"].to_numpy())
    n_races = int(race_codes.max()) + 1 if race_codes.size else 0
    field = np.bincount(race_codes, minlength=n_races)[race_codes].astype(float)
    discipline = frame["discipline_raw"].map(DISCIPLINES).to_numpy(dtype=float)
    going = _by_value(frame["going_raw"], lambda v: v.fillna("").str.upper().str.strip().to_numpy(dtype=object))
    keys = {
        "field": field,
        "horse": _codes(frame["horse_id"].to_numpy()),
        "jockey": _codes(frame["jockey_id"].to_numpy()),
        "trainer": _codes(frame["trainer_id"].to_numpy()),
        "racecourse": _codes(frame["racecourse_id"].to_numpy()),
        "discipline": np.nan_to_num(discipline, nan=-1).astype(np.int64),
        "band": _distance_band(frame["distance"].to_numpy(), np.nan_to_num(discipline, nan=2)),
        "going_code": _codes(np.where(going != "", going, None)),
        "surface_code": _codes(frame["surface_raw"].where(frame["surface_raw"] != "", None).to_numpy()),
        "race_class": _class_number(frame["class_raw"], frame["class_letter"]),
        "equipment": _codes(frame["equipment"].fillna("").to_numpy()).astype(float),
    }
    outcomes = _outcomes(frame, race_codes, n_races, field, hist)

    columns = _Columns(int(target.sum()))
    _horse_features(frame, hist, target, outcomes, keys, columns)
    _people_features(frame, hist, target, outcomes, keys, columns)
    del outcomes

    ids = frame.loc[target, list(ID_COLUMNS)].reset_index(drop=True)

    def at_targets(name: str) -> np.ndarray:
        # One column at a time: a copy of every target row's raw columns would outweigh the features.
        return frame[name].to_numpy()[target]

    t_codes = _codes(ids["race_id"].to_numpy())
    t_races = int(t_codes.max()) + 1 if t_codes.size else 0
    t_field = field[target]
    columns["field_size"] = t_field
    columns["distance"] = at_targets("distance").astype(float)
    columns["discipline"] = discipline[target]
    columns["surface"] = frame["surface_raw"].map(SURFACES).to_numpy(dtype=float)[target]
    columns["going"] = pd.Series(going[target]).map(GOINGS).to_numpy(dtype=float)
    columns["race_class"] = keys["race_class"][target]
    columns["handicap"] = _by_value(
        frame["class_raw"], lambda v: v.fillna("").str.contains("Hcap", case=False).to_numpy(dtype=float)
    )[target]
    columns["log_prize"] = np.log1p(at_targets("prize"))
    columns["age"] = at_targets("age_raw")
    columns["sex"] = frame["sex_raw"].map(SEXES).to_numpy(dtype=float)[target]
    draw = at_targets("draw_raw")
    columns["draw"] = draw
    columns["draw_share"] = draw / t_field
    weight = at_targets("weight_raw")
    columns["weight"] = weight
    columns["weight_rel"] = _race_relative(weight, t_codes, t_races)
    columns["handicap_distance_rel"] = _race_relative(at_targets("handicap_distance_raw"), t_codes, t_races)
    rating = at_targets("rating_raw")
    columns["rating"] = rating
    columns["rating_rel"] = _race_relative(rating, t_codes, t_races)
    columns["body_weight"] = at_targets("body_weight_raw")
    columns["shoeing"] = frame["shoeing_raw"].map(SHOEING).to_numpy(dtype=float)[target]
    earnings = np.log1p(at_targets("earnings_raw"))
    columns["log_earnings"] = earnings
    columns["earnings_rank"] = _race_rank_share(earnings, t_codes)
    musique = _musique_columns(frame["musique"][target])
    for i, name in enumerate(_MUSIQUE_COLUMNS):
        columns[name] = musique[:, i]
    del draw, weight, rating, earnings, musique
    columns["h_last3_rel"] = _race_relative(columns["h_last3"], t_codes, t_races)
    columns["h_win_rate_rel"] = _race_relative(columns["h_win_rate"], t_codes, t_races)
    columns["h_figure_rel"] = _race_relative(columns["h_figure_best3"], t_codes, t_races)
    columns["h_prev_market_rel"] = _race_relative(columns["h_prev_market3"], t_codes, t_races)
    early = columns["h_early3"]
    columns["h_early_rel"] = _race_relative(early, t_codes, t_races)
    # The pace of the race: how many of its runners usually lead early (NaN: nobody's sectionals known).
    known = np.bincount(t_codes, weights=np.isfinite(early), minlength=t_races)[t_codes]
    leaders = np.bincount(t_codes, weights=np.nan_to_num(early, nan=1.0) < 0.25, minlength=t_races)[t_codes]
    columns["pace_leaders"] = np.where(known > 0, leaders, np.nan)
    columns["early_draw"] = early * at_targets("draw_raw")
    del early, known, leaders
    columns["j_strike_rel"] = _race_relative(columns["j_strike_365"], t_codes, t_races)
    columns["t_strike_rel"] = _race_relative(columns["t_strike_365"], t_codes, t_races)
    _market_features(ids, t_codes, t_races, columns)

    ids["field"] = t_field
    k = np.bincount(t_codes, weights=(ids["position"].to_numpy() == 1), minlength=t_races)[t_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        ids["won"] = np.where(ids["position"].to_numpy() == 1, 1.0 / k, 0.0)
    ids["has_winner"] = k > 0
    features = pd.DataFrame(columns.block, columns=list(FEATURE_LABELS), copy=False)
    return FeatureFrame(pd.concat([ids, features], axis=1))
