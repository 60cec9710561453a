"""Writing a model version's predictions for a window of race days, or for given races (the live day).

Only races that have not gone off are (re)scored; a race that has gone off keeps what each version said
before it, and is at most backfilled, out of sample (``predictions_score_report``).

The market baseline scores from the odds alone; trained versions (combined, fundamental) score
with their stored XGBoost artifact and calibration (``predict.model_predict``), on features
built for the window, and fall back to the market for races they cannot rate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, Max, Min, OuterRef, Q
from django.utils import timezone

from courses.clock import gone_off, not_gone_off
from courses.models import Race
from turf.cache import answers_invalidate
from turf.locks import locked

from ..models import ModelKind, ModelVersion, Prediction
from ..signals import races_rescored
from .features import feature_frame
from .predict import model_predict
from .probability import harville_place_probabilities, market_probabilities, places_paid, rank_within_races
from .runners import RunnerColumns, runner_columns
from .versions import model_version_active, version_vouches

logger = logging.getLogger("turf.predictions")


class UnscorableVersion(ValueError):
    """A version that cannot produce predictions (a trained kind with no artifact)."""


def coming_days(start: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days a retrain rescores (the nightly chain, a promotion): ``start`` (default today) and the next."""
    first = start or timezone.localdate()
    return first, first + dt.timedelta(days=1)


@dataclass(frozen=True)
class ScoreReport:
    model_version: str
    races: int  # races with runners in the window (cancelled ones included)
    races_scored: int  # races given rows by this call (rescored before their off, or backfilled)
    races_unpriced: int  # some runner that runs has no odds: no market view, no predictions
    predictions: int  # rows written (created or updated)
    removed: int  # this version's rows of races not gone off that no longer apply (non-partant since, unpriced)
    races_gone_off: int = 0  # races that had gone off and were left alone (never rewritten)
    races_backfilled: int = 0  # races that had gone off with no row of this version, which it may vouch for


def _market_predictions(frame: RunnerColumns) -> dict[str, np.ndarray | list]:
    """Win, place and rank for every runner of the frame the market can price (others: NaN)."""
    odds, odds_decimal = frame.market_odds()
    runs = frame.runs
    win = np.full(len(frame), np.nan)
    win[runs] = market_probabilities(odds[runs], groups=frame.race_id[runs])
    scored = np.isfinite(win)

    race_ids = frame.race_id[scored]
    codes = np.unique(race_ids, return_inverse=True)[1].reshape(-1)
    field_size = np.bincount(codes)[codes] if codes.size else codes
    place = np.full(len(frame), np.nan)
    place[scored] = harville_place_probabilities(win[scored], places_paid(field_size), groups=race_ids)
    rank = np.zeros(len(frame), dtype=np.int64)
    rank[scored] = rank_within_races(win[scored], groups=race_ids, tiebreak=frame.saddle[scored])
    return {"scored": scored, "win": win, "place": place, "rank": rank, "odds": odds_decimal}


def _trained_predictions(frame: RunnerColumns, version: ModelVersion, start: dt.date, end: dt.date) -> dict:
    """The stored model's win/place/rank and explanation per runner; the market where it cannot rate."""
    result = _market_predictions(frame)
    result["market"] = result["win"].copy()
    result["explanation"] = [[] for _ in range(len(frame))]
    features = feature_frame(start=start, end=end, source=version.params.get("source"))
    if not len(features):
        return result
    predicted = model_predict(version, features, explain=True)
    predicted = predicted.loc[predicted["rated"].to_numpy() & np.isfinite(predicted["win"].to_numpy())]
    where = pd.Index(predicted["runner_id"].to_numpy()).get_indexer(frame.runner_id)
    rows = np.flatnonzero(where >= 0)
    taken = where[rows]
    # A race is the model's whole or the market's whole: drop the market rows of rated races.
    rated_races = np.isin(frame.race_id, frame.race_id[rows])
    for name in ("win", "place", "market"):
        result[name][rated_races] = np.nan
    result["rank"][rated_races] = 0
    result["win"][rows] = predicted["win"].to_numpy()[taken]
    result["place"][rows] = predicted["place"].to_numpy()[taken]
    result["market"][rows] = predicted["market"].to_numpy()[taken]
    result["rank"][rows] = predicted["rank"].to_numpy()[taken]
    explanations = predicted["explanation"].to_numpy()
    for row, at in zip(rows.tolist(), taken.tolist(), strict=True):
        result["explanation"][row] = explanations[at]
    result["scored"] = np.isfinite(result["win"])
    return result


def _market_scorer(frame: RunnerColumns, version: ModelVersion, start: dt.date, end: dt.date) -> dict:
    result = _market_predictions(frame)
    result["market"] = result["win"]
    result["explanation"] = None
    return result


_SCORERS = {
    ModelKind.MARKET: _market_scorer,
    ModelKind.COMBINED: _trained_predictions,
    ModelKind.FUNDAMENTAL: _trained_predictions,
}


def _version_checked(model_version: ModelVersion | None) -> tuple[ModelVersion, object]:
    version = model_version or model_version_active()
    scorer = _SCORERS.get(version.kind)
    if scorer is None:
        raise NotImplementedError(f"{version.version}: no scorer for {version.kind} models yet")
    if version.kind != ModelKind.MARKET and not version.artifact:
        raise UnscorableVersion(f"{version.version}: a {version.kind} version without a trained artifact cannot score")
    return version, scorer


def _score(
    *, races: Q, start: dt.date, end: dt.date, version: ModelVersion, scorer, at: dt.datetime | None = None
) -> ScoreReport:
    """Score the races ``races`` (a Q on Race, all dated ``start``..``end``) by the rule of this module's
    ``predictions_score_report``, as of ``at`` (default: now)."""
    # Two rescorings of the same version at once (the feed's signal and the nightly task) take turns: each writes
    # and prunes its whole window in one transaction, so the rows left are one run's, never a mix.
    with locked(f"predictions.score:{version.pk}"):
        scored_at = at or timezone.now()
        frame = runner_columns(Q(race__in=Race.objects.filter(races)))
        # The races that have gone off, and whether this version may backfill each: it has no row there and
        # the walk-forward rule lets it vouch for the race (one query, whatever the number of races).
        has_rows = Exists(Prediction.objects.filter(model_version=version, runner__race=OuterRef("pk")))
        backfill = ExpressionWrapper(version_vouches(version) & ~Q(has_rows), output_field=BooleanField())
        gone_races = Race.objects.filter(races).filter(gone_off(scored_at)).annotate(backfill=backfill)
        gone = dict(gone_races.values_list("pk", "backfill"))
        backfilled = {race_id for race_id, allowed in gone.items() if allowed}
        taken = np.isin(frame.race_id, [r for r in frame.races if r not in gone or r in backfilled])
        part = frame.take(taken)
        rows: list[Prediction] = []
        backfill_rows: list[Prediction] = []
        if len(part):
            result = scorer(part, version, start, end)
            scored, market, explanation = result["scored"], result["market"], result["explanation"]
            for i in np.flatnonzero(scored):
                row = Prediction(
                    runner_id=int(part.runner_id[i]),
                    model_version=version,
                    win_probability=float(result["win"][i]),
                    place_probability=float(result["place"][i]),
                    market_probability=float(market[i]) if np.isfinite(market[i]) else None,
                    rank=int(result["rank"][i]),
                    odds=result["odds"][i],
                    explanation=explanation[i] if explanation is not None else [],
                    scored_at=scored_at,
                )
                (backfill_rows if int(part.race_id[i]) in backfilled else rows).append(row)
        else:
            scored = np.zeros(0, dtype=bool)
        Prediction.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["runner", "model_version"],
            update_fields=[
                "win_probability",
                "place_probability",
                "market_probability",
                "rank",
                "odds",
                "explanation",
                "scored_at",
            ],
        )
        # A race that has gone off is only ever added to, never rewritten.
        Prediction.objects.bulk_create(backfill_rows, ignore_conflicts=True)
        # Whatever this version said of a race still to come and did not say again is stale: drop it. The rows
        # of races that have gone off stay, whatever they are: they are what was said before the race.
        removed, _ = (
            Prediction.objects.filter(
                runner__race__in=Race.objects.filter(races).filter(not_gone_off(scored_at)), model_version=version
            )
            .exclude(scored_at=scored_at)
            .delete()
        )
        answers_invalidate()  # nobody is served the probabilities this scoring replaced

    races_scored = set(part.race_id[scored].tolist())
    races_run = set(part.race_id[part.runs].tolist())
    rescored = sorted(races_scored - gone.keys())
    if rescored:
        transaction.on_commit(lambda: _announce_rescored(rescored))
    return ScoreReport(
        model_version=version.version,
        races=len(frame.races),
        races_scored=len(races_scored),
        races_unpriced=len(races_run - races_scored),
        predictions=len(rows) + len(backfill_rows),
        removed=removed,
        races_gone_off=len(set(frame.races) & (gone.keys() - backfilled)),
        races_backfilled=len(races_scored & backfilled),
    )


def _announce_rescored(race_ids: list[int]) -> None:
    """Send ``races_rescored`` for races still to come that were scored afresh; a listener that fails is logged,
    never fails the scoring that has committed."""
    for receiver, error in races_rescored.send_robust(sender=Prediction, race_ids=race_ids):
        if isinstance(error, Exception):
            logger.warning("races_rescored: %s failed: %s", receiver, error, exc_info=error)


def predictions_score_report(*, start: dt.date, end: dt.date, model_version: ModelVersion | None = None) -> ScoreReport:
    """Compute and write a version's predictions for the races dated ``start``..``end``, atomically.

    Races that have not gone off (``courses.clock.not_gone_off``) are scored afresh: their rows upserted, the
    rows that no longer apply removed. A race that has gone off is never rewritten: the version's rows there
    stay as they were (what it said before the race); only where the version has no row for the race, and
    the walk-forward rule lets it vouch for it (``versions.walk_forward_eligible``: the market, or trained
    strictly before the race's day), are rows added (a backfill, out of sample). The report counts the races
    left alone (``races_gone_off``) and those backfilled.
    """
    if end < start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    version, scorer = _version_checked(model_version)
    return _score(races=Q(meeting__date__range=(start, end)), start=start, end=end, version=version, scorer=scorer)


def predictions_score_races(
    *, race_ids: Iterable[int], model_version: ModelVersion | None = None, at: dt.datetime | None = None
) -> ScoreReport:
    """Score the races ``race_ids`` with the active (or given) version, by ``predictions_score_report``'s rule:
    the live day's rescoring as the market moves (races that have gone off are left alone or backfilled).

    ``at`` (default: now) is the moment the scoring stands for, its rows' ``scored_at``: the demo's past days
    replayed as their live day would have run (``demo_record``); the rule is the same, a race gone off is only
    backfilled, by a version the walk-forward rule lets vouch for it."""
    version, scorer = _version_checked(model_version)
    race_ids = sorted({int(race_id) for race_id in race_ids})
    span = Race.objects.filter(pk__in=race_ids).aggregate(first=Min("meeting__date"), last=Max("meeting__date"))
    if span["first"] is None:
        return ScoreReport(
            model_version=version.version, races=0, races_scored=0, races_unpriced=0, predictions=0, removed=0
        )
    return _score(
        races=Q(pk__in=race_ids), start=span["first"], end=span["last"], version=version, scorer=scorer, at=at
    )


def predictions_score(*, start: dt.date, end: dt.date, model_version: ModelVersion | None = None) -> int:
    """Score every race dated ``start``..``end`` with the active (or given) version; returns rows written."""
    return predictions_score_report(start=start, end=end, model_version=model_version).predictions
