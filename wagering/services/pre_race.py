"""The prediction a past race is judged by, whatever model is active now: what was published before its off.

Written once, read by the history, ``/metrics`` and the backtests (``GET backtest`` and the jobs):

- a race the live day froze at its off (``PublishedPrediction`` rows of stage ``off``) is judged by them: the
  version that spoke then, its probabilities, the odds it saw and the market's probability at that moment
  (basis ``published``);
- a race that was never live (imported history, the demo's past days) by the walk-forward rule
  (``walk_forward``: the latest version trained strictly before the race's day, the market baseline as the
  last resort; basis ``walk_forward``);
- a race with neither is skipped: ``NO_PREDICTION``, of which ``TRAINED_ON`` the races only versions trained on
  them predicted.

A model promoted today therefore never judges a race it could have learnt from, and a rescore after the off
never rewrites what the race is judged by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Exists, OuterRef, Q

from predictions.models import ModelVersion, Prediction, PublishedPrediction, PublishedStage

from .walk_forward import (
    walk_forward_candidates,
    walk_forward_choose,
    walk_forward_eligible,
    walk_forward_flag,
    walk_forward_order,
)

# The bases of a race's prediction, and the rules a backtest may name (``Strategy.model``): ``published`` is the
# whole rule (published, else walk-forward), ``walk_forward`` the walk-forward rule alone.
PUBLISHED = "published"
WALK_FORWARD = "walk_forward"
BASES = (PUBLISHED, WALK_FORWARD)

# Why a race is left out: the reasons every read of this rule reports.
NO_PREDICTION = "no prediction made before the race"
TRAINED_ON = "of which predicted only by versions trained on the race"

# The published stage a race is judged by: the last prediction before the race.
JUDGED_STAGE = PublishedStage.OFF


def race_published(race: str = "runner__race_id") -> Exists:
    """Exists: the race at ``race`` (an outer reference: ``"pk"`` on Race) was frozen at its off."""
    return Exists(PublishedPrediction.objects.filter(stage=JUDGED_STAGE, runner__race_id=OuterRef(race)))


def race_predicted_before() -> Q:
    """Q on Race: it has a prediction to be judged by (published at its off, or a walk-forward one)."""
    walk_forward = Prediction.objects.filter(walk_forward_eligible(), runner__race_id=OuterRef("pk"))
    return Q(race_published("pk")) | Q(Exists(walk_forward))


@dataclass
class PreRace:
    """The prediction each runner's race is judged by: one row per runner predicted, in no particular order."""

    runner_id: np.ndarray
    race_id: np.ndarray
    version: np.ndarray  # index into ``versions``
    basis: np.ndarray  # PUBLISHED or WALK_FORWARD
    win: np.ndarray
    place: np.ndarray
    market: np.ndarray  # the market's probability when the prediction was made (NaN: not stored)
    rank: np.ndarray
    odds: list[Decimal | None]  # the odds the prediction saw
    published_at: list[dt.datetime | None]
    versions: list[str] = field(default_factory=list)
    # Races without a prediction to be judged by that versions trained on them did predict.
    trained_on: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.runner_id.size)

    def rows_of(self, runner_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``runner_ids``, rows here) of the runners of ``runner_ids`` that have a row."""
        runner_ids = np.asarray(runner_ids, dtype=np.int64)
        if not len(self) or not runner_ids.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        order = np.argsort(runner_ids, kind="stable")
        at = np.searchsorted(runner_ids, self.runner_id, sorter=order)
        found = at < runner_ids.size
        found[found] = runner_ids[order[at[found]]] == self.runner_id[found]
        return order[at[found]], np.flatnonzero(found)


_COLUMNS = ("win_probability", "place_probability", "market_probability", "rank", "odds")


def _float(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def pre_race_predictions(q: Q, *, published: bool = True) -> PreRace:
    """The prediction each race of ``q`` (a Q reaching the runner through ``runner__``) is judged by.

    Three queries whatever the number of races: the races' published rows, the versions the walk-forward rule
    may pick, and their predictions of the races without published rows. With ``published=False``, the
    walk-forward rule alone (two queries)."""
    rows: list[tuple] = []
    if published:
        rows = [
            (runner, race, version, PUBLISHED, *values)
            for runner, race, version, *values in PublishedPrediction.objects.filter(q, stage=JUDGED_STAGE).values_list(
                "runner_id", "runner__race_id", "model_version__version", *_COLUMNS, "published_at"
            )
        ]
    versions = walk_forward_order(
        ModelVersion.objects.filter(walk_forward_candidates()).values_list(
            "id", "version", "kind", "trained_until", named=True
        )
    )
    names = [v.version for v in versions]
    trained_on = np.zeros(0, dtype=np.int64)
    if versions:
        candidates = Prediction.objects.filter(q, model_version_id__in=[v.id for v in versions])
        if published:
            candidates = candidates.filter(~race_published())
        found = list(
            candidates.annotate(eligible=walk_forward_flag()).values_list(
                "runner_id", "runner__race_id", "model_version_id", "eligible", *_COLUMNS
            )
        )
        if found:
            place_of = {v.id: i for i, v in enumerate(versions)}
            races = np.array([row[1] for row in found], dtype=np.int64)
            eligible = np.array([row[3] for row in found], dtype=bool)
            keep = walk_forward_choose(race=races, rank=[place_of[row[2]] for row in found], eligible=eligible)
            rows += [
                (runner, race, names[place_of[version]], WALK_FORWARD, *values, None)
                for (runner, race, version, _, *values), kept in zip(found, keep.tolist(), strict=True)
                if kept
            ]
            trained_on = np.setdiff1d(races[~eligible], races[keep])
    for name in dict.fromkeys(row[2] for row in rows):
        if name not in names:  # published by a version the walk-forward rule never picks (no training window)
            names.append(name)
    index = {name: i for i, name in enumerate(names)}
    columns = list(zip(*rows, strict=True)) if rows else [()] * 10
    runner, race, version, basis, win, place, market, rank, odds, published_at = columns
    return PreRace(
        runner_id=np.array(runner, dtype=np.int64),
        race_id=np.array(race, dtype=np.int64),
        version=np.array([index[name] for name in version], dtype=np.int64),
        basis=np.array(basis, dtype=object),
        win=_float(win),
        place=_float(place),
        market=_float(market),
        rank=np.array(rank, dtype=np.int64),
        odds=list(odds),
        published_at=list(published_at),
        versions=names,
        trained_on=trained_on,
    )
