"""Nightly work, as thin Celery tasks: take ids and dates, call a service, retry on transient errors.

Every task has a management command twin (``train --promote``, ``rescore``) so it runs without a broker.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import chain, shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .models import ModelVersion
from .services.registry import model_promote, model_train
from .services.scoring import predictions_score

logger = logging.getLogger("turf.tasks")

# A database that restarts or a dropped connection is worth another try; a bug is not.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5}


@shared_task(name="predictions.retrain", **RETRY)
def retrain(until: str | None = None) -> dict:
    """Train a candidate on the races before ``until`` (default today) and promote it if it is as good."""
    day = dt.date.fromisoformat(until) if until else timezone.localdate()
    candidate = model_train(until=day)
    promoted = model_promote(candidate=candidate)
    logger.info("retrain: %s %s", candidate.version, "promoted" if promoted else "kept as candidate")
    return {"version": candidate.version, "promoted": promoted}


@shared_task(name="predictions.rescore", **RETRY)
def rescore(_previous=None, start: str | None = None, end: str | None = None) -> dict:
    """Score ``start``..``end`` (default today and tomorrow) with the active version."""
    first = dt.date.fromisoformat(start) if start else timezone.localdate()
    last = dt.date.fromisoformat(end) if end else first + dt.timedelta(days=1)
    written = predictions_score(start=first, end=last)
    active = ModelVersion.objects.filter(status="active").values_list("version", flat=True).first()
    return {"start": first.isoformat(), "end": last.isoformat(), "predictions": written, "model_version": active}


@shared_task(name="predictions.nightly")
def nightly() -> str:
    """Retrain, then rescore today's and tomorrow's races: the job django-celery-beat runs every night."""
    result = chain(retrain.si(), rescore.s()).apply_async()
    return result.id


@shared_task(name="predictions.settle_bets", **RETRY)
def settle_bets() -> int:
    """Settle subscribers' open bets on races whose result has arrived (queued after each import)."""
    from .services.bankroll import user_bets_settle

    return user_bets_settle()


@shared_task(name="predictions.backtest", bind=True, **RETRY)
def backtest(self, job_id: int) -> str:
    """Run a queued backtest job; the service reports progress, stores the result and marks it done or failed."""
    from .services.backtest_jobs import backtest_job_run

    return backtest_job_run(job_id=job_id, final_attempt=self.request.retries >= self.max_retries)
