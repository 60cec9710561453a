"""Rows for the predictions CSV export: the same rows the API shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import QuerySet

from courses.models import RaceStatus, race_code

from .models import ModelVersion, Prediction
from .services.versions import VersionArg, model_version_resolve

PREDICTION_COLUMNS = [
    "source",
    "source_race_id",
    "date",
    "race",
    "racecourse",
    "saddle_number",
    "source_horse_id",
    "horse",
    "win_probability",
    "place_probability",
    "market_probability",
    "rank",
    "odds",
    "model_version",
]


def prediction_export_queryset(
    *, model_version: ModelVersion, start: dt.date, end: dt.date, cancelled: bool = False
) -> QuerySet:
    """A version's predictions in the window, programme order, as value tuples; cancelled races only if asked."""
    rows = Prediction.objects.filter(model_version=model_version, runner__race__meeting__date__range=(start, end))
    if not cancelled:
        rows = rows.exclude(runner__race__status=RaceStatus.CANCELLED)
    return rows.order_by(
        "runner__race__meeting__date", "runner__race__meeting__number", "runner__race__number", "runner__saddle_number"
    ).values_list(
        "runner__race__source",
        "runner__race__source_id",
        "runner__race__meeting__date",
        "runner__race__meeting__number",
        "runner__race__number",
        "runner__race__meeting__racecourse__name",
        "runner__saddle_number",
        "runner__horse__source_id",
        "runner__horse__name",
        "win_probability",
        "place_probability",
        "market_probability",
        "rank",
        "odds",
    )


def prediction_export_rows(
    *, start: dt.date, end: dt.date, model_version: VersionArg = None, cancelled: bool = False
) -> Iterator[list]:
    """A version's (by default the active one's) predictions in PREDICTION_COLUMNS order, streamed from the database.

    The API leaves cancelled races out; ``export_predictions`` has always written every stored prediction.
    """
    version = model_version_resolve(model_version)
    if version is None:
        return iter(())
    rows = prediction_export_queryset(model_version=version, start=start, end=end, cancelled=cancelled)
    return (
        [
            source,
            source_id,
            day.isoformat(),
            race_code(reunion, course),
            racecourse,
            saddle,
            horse_id,
            horse,
            win,
            place,
            market,
            rank,
            odds,
            version.version,
        ]
        for (
            source,
            source_id,
            day,
            reunion,
            course,
            racecourse,
            saddle,
            horse_id,
            horse,
            win,
            place,
            market,
            rank,
            odds,
        ) in rows.iterator(chunk_size=2000)
    )
