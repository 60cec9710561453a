"""Freezing what Turf published before each race: the morning prediction and the one at the off.

``predictions_freeze`` copies the active version's current predictions of some races into
``PublishedPrediction`` rows, insert-only: a runner's row of a stage is written once and never rewritten,
whatever is rescored or promoted later. Only a prediction made before the race's off may be frozen: a race
whose rows were scored after its start time (a backfill, out of sample but not published) freezes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from courses.models import Race
from turf.cache import answers_invalidate

from ..models import ModelVersion, Prediction, PublishedPrediction, PublishedStage
from .versions import model_version_active

# Why a race asked for froze nothing (its reason in ``FreezeReport.not_frozen``).
NO_PREDICTION = "no prediction by the active version"
SCORED_AFTER_THE_OFF = "scored after the off"
ALREADY_FROZEN = "already frozen"
NO_SUCH_RACE = "no such race"


@dataclass(frozen=True)
class FreezeReport:
    stage: str
    model_version: str
    races_frozen: int  # races given rows of this stage by this call
    predictions: int  # rows written
    not_frozen: dict[int, str] = field(default_factory=dict)  # race id -> why nothing was written for it

    @property
    def skipped(self) -> dict[str, int]:
        """The races that froze nothing, counted by reason."""
        counts: dict[str, int] = {}
        for reason in self.not_frozen.values():
            counts[reason] = counts.get(reason, 0) + 1
        return counts


def predictions_freeze(
    *,
    race_ids: Iterable[int],
    stage: str,
    model_version: ModelVersion | None = None,
    at: dt.datetime | None = None,
) -> FreezeReport:
    """Freeze the active (or given) version's current predictions of the races ``race_ids`` at ``stage`` (morning
    or off), atomically and insert-only; ``at`` (default: now) is the moment of the freeze (the demo's past days
    replayed, ``demo_record``).

    Each row keeps the prediction's figures, its ``scored_at``, the race's ``odds_at`` (when the odds it saw were
    taken) and ``published_at`` = now. A race is frozen only when every row of it was scored at or before its
    start time (when it has one); a race already frozen at the stage is left as it is.
    """
    stage = PublishedStage(stage)
    version = model_version or model_version_active()
    wanted = {int(race_id) for race_id in race_ids}
    now = at or timezone.now()
    not_frozen: dict[int, str] = {}
    with transaction.atomic():
        races = {race.pk: race for race in Race.objects.filter(pk__in=wanted).only("pk", "start_time", "odds_at")}
        not_frozen.update(dict.fromkeys(wanted - races.keys(), NO_SUCH_RACE))
        predictions = list(
            Prediction.objects.filter(model_version=version, runner__race_id__in=list(races)).values(
                "runner_id",
                "runner__race_id",
                "win_probability",
                "place_probability",
                "market_probability",
                "rank",
                "odds",
                "scored_at",
            )
        )
        # A race's rows of a stage are one prediction (one version, one moment, summing to 1): a race with any is
        # frozen at that stage for good.
        frozen = set(
            PublishedPrediction.objects.filter(stage=stage, runner__race_id__in=list(races)).values_list(
                "runner__race_id", flat=True
            )
        )
        by_race: dict[int, list[dict]] = {race_id: [] for race_id in races}
        for row in predictions:
            by_race[row["runner__race_id"]].append(row)
        rows: list[PublishedPrediction] = []
        races_frozen = 0
        for race_id, race in races.items():
            taken = by_race[race_id]
            if race_id in frozen:
                not_frozen[race_id] = ALREADY_FROZEN
                continue
            if not taken:
                not_frozen[race_id] = NO_PREDICTION
                continue
            if race.start_time is not None and any(row["scored_at"] > race.start_time for row in taken):
                not_frozen[race_id] = SCORED_AFTER_THE_OFF
                continue
            races_frozen += 1
            rows += [
                PublishedPrediction(
                    runner_id=row["runner_id"],
                    stage=stage,
                    model_version=version,
                    win_probability=row["win_probability"],
                    place_probability=row["place_probability"],
                    market_probability=row["market_probability"],
                    rank=row["rank"],
                    odds=row["odds"],
                    odds_at=race.odds_at,
                    scored_at=row["scored_at"],
                    published_at=now,
                )
                for row in taken
            ]
        # A concurrent freeze of the same runner and stage may have won the race: its row stands.
        PublishedPrediction.objects.bulk_create(rows, ignore_conflicts=True)
        answers_invalidate()  # a gone-off race's card shows what was published
    return FreezeReport(
        stage=stage.value,
        model_version=version.version,
        races_frozen=races_frozen,
        predictions=len(rows),
        not_frozen=not_frozen,
    )
