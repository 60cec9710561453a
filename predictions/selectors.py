"""Reads of the predictions: race cards, top picks and the day's predictions.

Read-only, and each runs a fixed number of queries whatever the number of races: the runners
come in one query (``runner_columns``) and the arithmetic is numpy. Every function takes a model
version (an instance or its version string); by default the active one. With no active version
there is nothing to read and the lists are empty.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Q

from courses.models import Race, RaceStatus, RunnerStatus, race_code
from courses.selectors import race_by_id, race_get
from turf.pagination import LazyRows

from .models import Prediction
from .services.runners import runner_columns
from .services.versions import VersionArg, model_version_resolve


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def race_prediction_rows(*, race: Race, model_version: VersionArg = None) -> list[dict]:
    """Every runner of ``race`` in saddle order with the version's prediction (None for non-partants)."""
    version = model_version_resolve(model_version)
    frame = runner_columns(Q(race=race), model_version=version, card=True)
    _, odds_decimal = frame.market_odds()
    runs = frame.runs
    rows = []
    for i in range(len(frame)):
        predicted = version is not None and runs[i] and not np.isnan(frame.win_probability[i])
        rows.append(
            {
                "runner_id": int(frame.runner_id[i]),
                "saddle_number": int(frame.saddle[i]),
                "horse": frame.horse[i],
                "jockey": frame.jockey[i],
                "trainer": frame.trainer[i],
                "status": frame.status[i],
                "odds": odds_decimal[i],
                "morning_odds": frame.morning_odds_decimal[i],
                "final_odds": frame.final_odds_decimal[i],
                "win_probability": float(frame.win_probability[i]) if predicted else None,
                "place_probability": float(frame.place_probability[i]) if predicted else None,
                "market_probability": _none_if_nan(frame.market_probability[i]) if predicted else None,
                "rank": int(frame.rank[i]) if predicted else None,
                # The strongest reasons, [{feature, label, contribution}]; empty for the market baseline.
                "explanation": (frame.explanation[i] or []) if predicted else [],
                "model_version": version.version if version is not None else None,
            }
        )
    return rows


def _card(race: Race, model_version: VersionArg) -> dict:
    rows = race_prediction_rows(race=race, model_version=model_version)
    return {"race": race, "rows": rows, "model_version": rows[0]["model_version"] if rows else None}


def race_card(*, day: dt.date, code: str, model_version: VersionArg = None) -> dict:
    """The race at address ``code`` on ``day`` (with ``runner_count``), its runner rows and their model version.

    RaceAddressError for an address that is not one, Race.DoesNotExist (with a message) for no such race.
    """
    return _card(race_get(day=day, code=code), model_version)


def race_card_by_id(*, race_id: int, model_version: VersionArg = None) -> dict:
    """The card of the race whose id is ``race_id``, as ``race_card``; Race.DoesNotExist when there is none."""
    return _card(race_by_id(race_id=race_id), model_version)


TOP_PICK_COLUMNS = (
    "runner__race_id",
    "runner__race__meeting__number",
    "runner__race__number",
    "runner__race__name",
    "runner__race__start_time",
    "runner__race__meeting__racecourse__name",
    "runner__race__meeting__racecourse__code",
    "runner_id",
    "runner__saddle_number",
    "runner__horse__name",
    "win_probability",
    "place_probability",
    "odds",
)


def top_pick_rows(*, day: dt.date, model_version: VersionArg = None) -> LazyRows:
    """The day's selections, strongest first: each race's top pick by win probability, paged lazily."""
    version = model_version_resolve(model_version)
    if version is None:
        return LazyRows(Prediction.objects.none(), list)
    picks = (
        Prediction.objects.filter(model_version=version, rank=1, runner__race__meeting__date=day)
        .exclude(runner__status=RunnerStatus.NON_PARTANT)
        .exclude(runner__race__status=RaceStatus.CANCELLED)
        .order_by("-win_probability", "runner__race__meeting__number", "runner__race__number")
        .values_list(*TOP_PICK_COLUMNS)
    )

    def to_rows(rows: list[tuple]) -> list[dict]:
        return [
            {
                "race_id": race_id,
                "date": day,
                "race_code": race_code(reunion, number),
                "race_name": name,
                "racecourse": course,
                "racecourse_code": course_code,
                "start_time": start_time,
                "runner_id": runner_id,
                "saddle_number": saddle,
                "horse": horse,
                "win_probability": win,
                "place_probability": place,
                "odds": odds,
                "model_version": version.version,
            }
            for (
                race_id,
                reunion,
                number,
                name,
                start_time,
                course,
                course_code,
                runner_id,
                saddle,
                horse,
                win,
                place,
                odds,
            ) in rows
        ]

    return LazyRows(picks, to_rows)


def top_picks(*, day: dt.date, n: int = 3, model_version: VersionArg = None) -> list[dict]:
    """The day's ``n`` strongest selections: each race's top pick, highest win probability first."""
    return top_pick_rows(day=day, model_version=model_version)[: max(n, 0)]


PREDICTION_ROW_COLUMNS = (
    "runner__race_id",
    "runner__race__meeting__number",
    "runner__race__number",
    "runner__race__name",
    "runner__race__start_time",
    "runner__race__source",
    "runner__race__meeting__racecourse__name",
    "runner_id",
    "runner__saddle_number",
    "runner__horse__name",
    "runner__jockey__name",
    "runner__trainer__name",
    "odds",
    "win_probability",
    "place_probability",
    "market_probability",
    "rank",
)


def prediction_rows(*, day: dt.date, model_version: VersionArg = None) -> tuple[LazyRows, str | None]:
    """The day's predictions, a row per runner in programme order (paged lazily), and their model version."""
    version = model_version_resolve(model_version)
    if version is None:
        return LazyRows(Prediction.objects.none(), list), None
    predictions = (
        Prediction.objects.filter(model_version=version, runner__race__meeting__date=day)
        .exclude(runner__race__status=RaceStatus.CANCELLED)
        .order_by("runner__race__meeting__number", "runner__race__number", "runner__saddle_number")
        .values(*PREDICTION_ROW_COLUMNS)
    )

    def to_rows(rows: list[dict]) -> list[dict]:
        return [
            {
                "race_id": row["runner__race_id"],
                "date": day,
                "race_code": race_code(row["runner__race__meeting__number"], row["runner__race__number"]),
                "race_name": row["runner__race__name"],
                "racecourse": row["runner__race__meeting__racecourse__name"],
                "start_time": row["runner__race__start_time"],
                "source": row["runner__race__source"],
                "runner_id": row["runner_id"],
                "saddle_number": row["runner__saddle_number"],
                "horse": row["runner__horse__name"],
                "jockey": row["runner__jockey__name"],
                "trainer": row["runner__trainer__name"],
                "odds": row["odds"],
                "win_probability": row["win_probability"],
                "place_probability": row["place_probability"],
                "market_probability": row["market_probability"],
                "rank": row["rank"],
                "model_version": version.version,
            }
            for row in rows
        ]

    return LazyRows(predictions, to_rows), version.version
