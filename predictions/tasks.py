"""Nightly work, as thin Celery tasks: take ids and dates, call a service, retry on transient errors.

Every task has a management command twin (``train --promote``, ``rescore``) so it runs without a broker.
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

from .services.registry import TRAINING_LOCK, model_promote, model_train
from .services.scoring import predictions_score
from .services.versions import model_version_active_get

logger = logging.getLogger("turf.tasks")


@shared_task(name="predictions.retrain", **RETRY)
def retrain(until: str | None = None) -> dict:
    """Train a candidate on the races before ``until`` (default today) and promote it if it is as good."""
    started = time.monotonic()
    day = dt.date.fromisoformat(until) if until else timezone.localdate()
    # One retrain at a time, whichever worker or machine runs it: a second one at once skips (one candidate, not
    # two). A worker killed mid-way releases the lock with its database session.
    with held(TRAINING_LOCK) as mine:
        if not mine:
            logger.warning("retrain: another retrain is running, this one skips")
            return {"version": None, "promoted": False, "skipped": "another retrain is running"}
        candidate = model_train(until=day)
        promoted = model_promote(candidate=candidate)
        retrain_finished(started=started)
    logger.info("retrain: %s %s", candidate.version, "promoted" if promoted else "kept as candidate")
    return {"version": candidate.version, "promoted": promoted}


@shared_task(name="predictions.rescore", **RETRY)
def rescore(_previous=None, start: str | None = None, end: str | None = None) -> dict:
    """Score ``start``..``end`` (default today and tomorrow) with the active version."""
    first = dt.date.fromisoformat(start) if start else timezone.localdate()
    last = dt.date.fromisoformat(end) if end else first + dt.timedelta(days=1)
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
