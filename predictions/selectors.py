"""Reads of the predictions: race cards, top picks and the day's predictions; the model registry.

A race card speaks of a race that has gone off with what was published before it (never a later model's
hindsight); the top picks list only races still to come.

Read-only, and each runs a fixed number of queries whatever the number of races: the runners
come in one query (``runner_columns``) and the arithmetic is numpy. Every function takes a model
version (an instance or its version string); by default the active one. With no active version
there is nothing to read and the lists are empty.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from courses.clock import FINISHED, OFFICIAL, SCHEDULED, gone_off, not_gone_off, race_phase
from courses.models import BetType, Dividend, OddsSnapshot, Race, RaceStatus, RunnerStatus, race_code
from courses.selectors import race_by_id, race_get
from turf.pagination import LazyRows

from .models import ModelStatus, ModelVersion, Prediction, PublishedPrediction, PublishedStage
from .services.runners import runner_columns
from .services.versions import VersionArg, model_version_resolve, walk_forward_eligible, walk_forward_order


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _position(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def race_prediction_rows(*, race: Race, model_version: VersionArg = None) -> list[dict]:
    """Every runner of ``race`` in saddle order with the version's prediction (None for non-partants)."""
    return _runner_rows(race, model_version_resolve(model_version))


def race_runner_rows(*, race: Race) -> list[dict]:
    """Every runner of ``race`` in saddle order with the market's odds and no prediction (the public race card)."""
    return _runner_rows(race, None)


def _runner_rows(race: Race, version: ModelVersion | None) -> list[dict]:
    """``race_prediction_rows`` of that version; with None, the runners without a prediction."""
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
                "position": _position(frame.position[i]),
                # The odds the prediction used; without one, the market view's odds now.
                "odds": frame.prediction_odds[i] if predicted else odds_decimal[i],
                "morning_odds": frame.morning_odds_decimal[i],
                "final_odds": frame.final_odds_decimal[i],
                "win_probability": float(frame.win_probability[i]) if predicted else None,
                "place_probability": float(frame.place_probability[i]) if predicted else None,
                "market_probability": _none_if_nan(frame.market_probability[i]) if predicted else None,
                "rank": int(frame.rank[i]) if predicted else None,
                # The strongest reasons, [{feature, label, contribution}]; empty for the market baseline.
                "explanation": (frame.explanation[i] or []) if predicted else [],
                "scored_at": frame.scored_at[i] if predicted else None,
                "model_version": version.version if version is not None else None,
            }
        )
    return rows


# Where a race card's probabilities come from (``race_card``'s ``basis``).
LIVE, PUBLISHED, WALK_FORWARD = "live", "published", "walk_forward"


def _published_rows(race: Race, rows: list[dict]) -> dict | None:
    """The card's rows as published before the off (the ``off`` freeze, else the ``morning`` one), or None."""
    published = list(
        PublishedPrediction.objects.filter(runner__race=race, stage__in=[PublishedStage.OFF, PublishedStage.MORNING])
        .select_related("model_version")
        .order_by("runner_id")
    )
    if not published:
        return None
    stage = PublishedStage.OFF if any(p.stage == PublishedStage.OFF for p in published) else PublishedStage.MORNING
    by_runner = {p.runner_id: p for p in published if p.stage == stage}
    first = next(iter(by_runner.values()))
    # The reasons of the prediction that was frozen, if its row is still the one scored then (a race that has
    # gone off is never rescored; a morning freeze may have been rescored before the off).
    explanations = dict(
        Prediction.objects.filter(
            runner__race=race, model_version_id=first.model_version_id, scored_at=first.scored_at
        ).values_list("runner_id", "explanation")
    )
    for row in rows:
        frozen = by_runner.get(row["runner_id"])
        row.update(
            win_probability=frozen.win_probability if frozen else None,
            place_probability=frozen.place_probability if frozen else None,
            market_probability=frozen.market_probability if frozen else None,
            rank=frozen.rank if frozen else None,
            odds=frozen.odds if frozen else None,
            explanation=(explanations.get(row["runner_id"]) or []) if frozen else [],
            scored_at=frozen.scored_at if frozen else None,
            model_version=first.model_version.version,
        )
    return {
        "basis": PUBLISHED,
        "stage": stage,
        "model_version": first.model_version.version,
        "scored_at": max(p.scored_at for p in by_runner.values()),
        "published_at": max(p.published_at for p in by_runner.values()),
        "odds_at": first.odds_at,
    }


def _odds_taken_by(race: Race, scored_at: dt.datetime | None) -> dt.datetime | None:
    """When the odds a prediction scored at ``scored_at`` used were taken: the race's latest odds snapshot by
    then, else the race's odds time if it is not later; None when nothing says."""
    if scored_at is None:
        return None
    taken = OddsSnapshot.objects.filter(runner__race=race, taken_at__lte=scored_at).aggregate(at=Max("taken_at"))["at"]
    if taken is None and race.odds_at is not None and race.odds_at <= scored_at:
        return race.odds_at
    return taken


def _walk_forward_version(race: Race) -> ModelVersion | None:
    """The version the walk-forward rule judges ``race`` by among those that predicted it: the latest trained
    strictly before its day, else the market baseline."""
    eligible = Prediction.objects.filter(runner__race=race).filter(walk_forward_eligible()).values("model_version")
    ordered = walk_forward_order(ModelVersion.objects.filter(pk__in=eligible))
    return ordered[-1] if ordered else None


def _result(race: Race, rows: list[dict], phase: str) -> dict | None:
    """A finished race's arrival (positions; non-partants struck) and its rapports; None before the finish."""
    if phase not in (FINISHED, OFFICIAL):
        return None
    placed = sorted((r for r in rows if r["position"] is not None), key=lambda r: (r["position"], r["saddle_number"]))
    rapports = Dividend.objects.filter(race=race).order_by("bet_type", "combination")
    return {
        "official": phase == OFFICIAL,
        "arrival": [
            {
                "position": r["position"],
                "saddle_number": r["saddle_number"],
                "horse": r["horse"],
                "runner_id": r["runner_id"],
            }
            for r in placed
        ],
        "non_partants": [r["saddle_number"] for r in rows if r["status"] == RunnerStatus.NON_PARTANT],
        "rapports": [
            {
                "bet_type": d.bet_type,
                "label": d.label or BetType(d.bet_type).label,
                "combination": d.combination,
                "amount": d.amount,
            }
            for d in rapports
        ],
    }


def _card(race: Race, now: dt.datetime | None = None) -> dict:
    """The race, where it is on its clock, its runner rows and where their probabilities come from.

    Before the off: the active version's current prediction (``live``), with the race's ``odds_at``. Once the
    race has gone off: what was published before it (``published``: the off freeze, else the morning one), else,
    for a race never served live (imported history), the walk-forward prediction (``walk_forward``: the latest
    version trained strictly before the race's day, else the market) — never a later model's hindsight.
    """
    now = now or timezone.now()
    phase = race_phase(race, now)
    origin = {"basis": None, "stage": None, "model_version": None, "scored_at": None, "published_at": None}
    if phase == SCHEDULED:
        version = model_version_resolve(None)
        rows = _runner_rows(race, version)
        scored = [r["scored_at"] for r in rows if r["scored_at"] is not None]
        if version is not None:
            origin.update(basis=LIVE, model_version=version.version, scored_at=max(scored, default=None))
        origin["odds_at"] = race.odds_at
    else:
        rows = _runner_rows(race, None)
        published = _published_rows(race, rows)
        if published is not None:
            origin = published
        else:
            version = _walk_forward_version(race)
            if version is not None:
                rows = _runner_rows(race, version)
                scored = max((r["scored_at"] for r in rows if r["scored_at"] is not None), default=None)
                origin.update(basis=WALK_FORWARD, model_version=version.version, scored_at=scored)
            origin["odds_at"] = _odds_taken_by(race, origin["scored_at"])
    if origin["basis"] is None:
        for row in rows:
            row["model_version"] = None
    return {"race": race, "phase": phase, **origin, "rows": rows, "result": _result(race, rows, phase)}


def race_card(*, day: dt.date, code: str, now: dt.datetime | None = None) -> dict:
    """The race at address ``code`` on ``day`` (with ``runner_count``), as ``_card`` tells it at ``now``.

    RaceAddressError for an address that is not one, Race.DoesNotExist (with a message) for no such race.
    """
    return _card(race_get(day=day, code=code), now)


def race_card_by_id(*, race_id: int, now: dt.datetime | None = None) -> dict:
    """The card of the race whose id is ``race_id``, as ``race_card``; Race.DoesNotExist when there is none."""
    return _card(race_by_id(race_id=race_id), now)


# Why a race of the day is not among what to back now (``top3``, ``valuebets``): its ``skipped`` reasons.
GONE_OFF, CANCELLED = "gone off", "cancelled"


def races_skipped(*, day: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    """The day's races left out of the lists of what to back, by reason: ``{"gone off": n, "cancelled": m}``
    (the reasons with none are left out)."""
    counts = Race.objects.filter(meeting__date=day).aggregate(
        gone=Count("pk", filter=gone_off(now) & ~Q(status=RaceStatus.CANCELLED)),
        cancelled=Count("pk", filter=Q(status=RaceStatus.CANCELLED)),
    )
    return {reason: n for reason, n in ((GONE_OFF, counts["gone"]), (CANCELLED, counts["cancelled"])) if n}


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


def top_pick_rows(*, day: dt.date, model_version: VersionArg = None, now: dt.datetime | None = None) -> LazyRows:
    """The day's selections still to be backed, strongest first: the top pick by win probability of each race
    that has not gone off at ``now`` (``races_skipped`` counts the others), paged lazily."""
    version = model_version_resolve(model_version)
    if version is None:
        return LazyRows(Prediction.objects.none(), list)
    picks = (
        # Not gone off: scheduled (so not cancelled) and before its start time.
        Prediction.objects.filter(
            not_gone_off(now, prefix="runner__race__"),
            model_version=version,
            rank=1,
            runner__race__meeting__date=day,
        )
        .exclude(runner__status=RunnerStatus.NON_PARTANT)
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


def top_picks(
    *, day: dt.date, n: int = 3, model_version: VersionArg = None, now: dt.datetime | None = None
) -> list[dict]:
    """The day's ``n`` strongest selections still to be backed: each race's top pick, highest win probability first."""
    return top_pick_rows(day=day, model_version=model_version, now=now)[: max(n, 0)]


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


# -- the model registry -------------------------------------------------------------------------------

# The figures each held-out comparison gives, per model and for the market on the same races.
HELD_OUT_FIGURES = ("races", "log_loss", "pseudo_r2", "brier", "top1_accuracy")
# What a version's name may be, in a URL: letters, digits, and . _ + - (the trained ones: kind-source-day-stamp).
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,59}$"


def _registry() -> QuerySet:
    """Every version, the newest first, without the booster (``artifact``) nor the parameters (which carry the
    validation races' ids): of those, only the data sets are read, by the database."""
    return (
        ModelVersion.objects.defer("artifact", "params")
        .annotate(_sources=F("params__sources"), _source=F("params__source"))
        .order_by("-created_at", "-id")
    )


def _figures(metrics: dict | None) -> dict | None:
    return {name: metrics.get(name) for name in HELD_OUT_FIGURES} if metrics else None


def model_version_row(version: ModelVersion) -> dict:
    """What the registry says of one version (``_registry``'s row): its training window and data sets, its held-out
    figures beside the market's on the same (priced) races, the features it reads and its promotion."""
    validation = (version.metrics or {}).get("validation") or {}
    priced = validation.get("priced_races") or {}
    own = priced.get(version.kind)
    held_out = None
    if own:
        held_out = {
            "start": validation.get("start"),
            "end": validation.get("end"),
            "model": _figures(own),
            "market": _figures(priced.get("market")),
        }
    sources = version._sources or ([version._source] if version._source else [])
    promotion = (version.metrics or {}).get("promotion")
    return {
        "version": version.version,
        "kind": version.kind,
        "kind_label": version.get_kind_display(),
        "status": version.status,
        "status_label": version.get_status_display(),
        "active": version.status == ModelStatus.ACTIVE,
        "rerun": version.rerun,
        "trained_from": version.trained_from,
        "trained_until": version.trained_until,
        "races_used": version.races_used,
        "runners_used": version.runners_used,
        "sources": sources,
        "held_out": held_out,
        "promotion": promotion,
        "features": version.features,
        "fingerprint": version.fingerprint or None,
        "created_at": version.created_at,
        "promoted_at": version.promoted_at,
    }


def model_version_rows() -> LazyRows:
    """The registry, the newest version first: counted and cut in the database (two queries a page)."""
    return LazyRows(_registry(), lambda versions: [model_version_row(v) for v in versions])


def model_version_active_row() -> dict | None:
    """The active version's row, or None when no version is active."""
    active = _registry().filter(status=ModelStatus.ACTIVE).first()
    return model_version_row(active) if active is not None else None


def model_version_detail(*, version: str) -> dict:
    """One version's row by its name (``ModelVersion.DoesNotExist`` when there is none)."""
    return model_version_row(_registry().get(version=version))
