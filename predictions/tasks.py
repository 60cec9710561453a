"""Nightly work, as thin Celery tasks: take ids and dates, call a service, retry on transient errors.

Every task has a management command twin (``train --promote``, ``rescore``, ``nightly`` for the chain) so it runs
without a broker.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import chain, shared_task
from django.utils import timezone

from turf.celery import RETRY_POLICY as RETRY
from turf.locks import held
from turf.metrics import retrain_finished

from .services.registry import TRAINING_LOCK, model_retrain
from .services.scoring import coming_days, predictions_score
from .services.track_record import track_record_close_due
from .services.versions import model_version_active_get

logger = logging.getLogger("turf.tasks")


@shared_task(name="predictions.retrain", **RETRY)
def retrain(until: str | None = None) -> dict:
    """Train a candidate on the races before ``until`` (default today) and promote it if it is as good; nothing
    when the races and results are those the active version was trained on (``rerun_of``)."""
    started = time.monotonic()
    day = dt.date.fromisoformat(until) if until else timezone.localdate()
    # One retrain at a time, whichever worker or machine runs it: a second one at once skips (one candidate, not
    # two). A worker killed mid-way releases the lock with its database session.
    with held(TRAINING_LOCK) as mine:
        if not mine:
            logger.warning("retrain: another retrain is running, this one skips")
            return {"version": None, "promoted": False, "skipped": "another retrain is running"}
        outcome = model_retrain(until=day)
        retrain_finished(started=started)
    if outcome["rerun_of"]:
        logger.info("retrain: nothing new since %s, no version trained", outcome["rerun_of"])
    else:
        logger.info("retrain: %s %s", outcome["version"], "promoted" if outcome["promoted"] else "kept as candidate")
    return outcome


@shared_task(name="predictions.rescore", **RETRY)
def rescore(_previous=None, start: str | None = None, end: str | None = None) -> dict:
    """Score ``start``..``end`` (default today and tomorrow) with the active version."""
    first, last = coming_days(dt.date.fromisoformat(start) if start else None)
    last = dt.date.fromisoformat(end) if end else last
    written = predictions_score(start=first, end=last)
    active = model_version_active_get()
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "predictions": written,
        "model_version": active.version if active else None,
    }


@shared_task(name="predictions.nightly")
def nightly() -> str:
    """Retrain, then rescore today's and tomorrow's races: the job django-celery-beat runs every night."""
    result = chain(retrain.si(), rescore.s()).apply_async()
    return result.id


@shared_task(name="predictions.track_record_close", **RETRY)
def track_record_close_task() -> dict:
    """Close every day of the public track record whose races have all gone off (each chain in order)."""
    closed = [
        {"day": closing.day.isoformat(), "reason": closing.reason}
        if closing.record is None
        else {"day": closing.day.isoformat(), "day_hash": closing.record.day_hash}
        for closing in track_record_close_due()
    ]
    return {"closings": closed}
