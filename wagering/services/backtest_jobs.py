"""Backtest jobs: a subscriber's request queued, run by a Celery worker with its progress, and stored."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from celery import current_app
from django.db import transaction
from django.utils import timezone

from turf.celery import QUEUE_DOWN, TRANSIENT_ERRORS
from turf.errors import Conflict, QueueUnavailable

from ..models import BacktestBet, BacktestJob, BacktestStatus
from .backtest import Strategy, backtest

logger = logging.getLogger("turf.backtests")

# Jobs a subscriber may have waiting or running at once (recent ones: a job a dead worker left
# "running" stops counting after an hour).
MAX_ACTIVE_JOBS = 3
ACTIVE_WINDOW = dt.timedelta(hours=1)
# The unsettled bets a job keeps in its result (their count is in the summary).
UNSETTLED_KEPT = 500
BACKTEST_TASK = "wagering.backtest"


def backtest_job_submit(*, owner, strategy: Strategy, start: dt.date, end: dt.date) -> BacktestJob:
    """Queue a backtest for ``owner``; the task starts once the job row is committed."""
    active = BacktestJob.objects.filter(
        owner=owner,
        status__in=[BacktestStatus.UNQUEUED, BacktestStatus.QUEUED, BacktestStatus.RUNNING],
        created_at__gte=timezone.now() - ACTIVE_WINDOW,
    ).count()
    if active >= MAX_ACTIVE_JOBS:
        raise Conflict(f"You have {active} backtests queued or running; wait for one to finish.")
    job = BacktestJob.objects.create(owner=owner, params=strategy.as_params(), start=start, end=end)
    transaction.on_commit(lambda: _enqueue_or_keep(job.pk))
    return job


def _send(job_id: int) -> None:
    # Queued by name: the task module imports this service, never the other way round. The send retries while the
    # broker is away (CELERY_TASK_PUBLISH_RETRY_POLICY) and raises one of QUEUE_DOWN when it still is.
    current_app.signature(BACKTEST_TASK, args=(job_id,)).delay()


def _enqueue_or_keep(job_id: int) -> None:
    """Send the job's task; when the broker does not take it, keep the job as UNQUEUED (re-sent by
    ``backtest_jobs_requeue``) and tell the caller (503 ``queue_unavailable``, the job's id beside)."""
    try:
        _send(job_id)
    except QUEUE_DOWN as exc:
        logger.warning("backtest job %s: the task queue does not answer, kept to be re-sent: %s", job_id, exc)
        BacktestJob.objects.filter(pk=job_id, status=BacktestStatus.QUEUED).update(status=BacktestStatus.UNQUEUED)
        raise QueueUnavailable(
            "The task queue does not answer; your backtest is kept and will be queued within minutes.",
            extra={"job": job_id},
        ) from exc


def backtest_jobs_requeue() -> int:
    """Send again the jobs the task queue did not take (UNQUEUED), oldest first; stops at the first that it still
    does not take. Returns the number sent."""
    sent = 0
    for job_id in (
        BacktestJob.objects.filter(status=BacktestStatus.UNQUEUED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    ):
        # Claimed first (one beat at a time may send it), then sent; given back when the queue still says no.
        if not BacktestJob.objects.filter(pk=job_id, status=BacktestStatus.UNQUEUED).update(
            status=BacktestStatus.QUEUED
        ):
            continue
        try:
            _send(job_id)
        except QUEUE_DOWN as exc:
            BacktestJob.objects.filter(pk=job_id, status=BacktestStatus.QUEUED).update(status=BacktestStatus.UNQUEUED)
            logger.warning("backtest requeue: the task queue still does not answer: %s", exc)
            break
        sent += 1
    return sent


def result_json(value):
    """The result as JSON: money as numbers (cents exact), dates as ISO strings."""
    if isinstance(value, dict):
        return {key: result_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [result_json(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _update(job_id: int, **fields) -> None:
    BacktestJob.objects.filter(pk=job_id).update(**fields)


def _bet_row(job: BacktestJob, seq: int, bet: dict) -> BacktestBet:
    return BacktestBet(
        job=job,
        seq=seq,
        race_id=bet["race_id"],
        date=bet["date"],
        race_code=bet["race_code"],
        racecourse=bet["racecourse"][:120],
        bet_type=bet["bet_type"],
        selection=bet["selection"],
        horse=bet["horse"][:400],
        odds=bet["odds"],
        probability=bet["probability"],
        expected_value=bet["expected_value"],
        stake=bet["stake"],
        returned=bet["return"],
        profit=bet["profit"],
        bankroll=bet["bankroll"],
        settled_by=bet["settled_by"],
        model_version=bet["model_version"] or "",
    )


def backtest_job_run(*, job_id: int, final_attempt: bool = True) -> str:
    """Run a queued job: progress as it goes, then its bets and result stored, status done — or failed
    with the error. A transient database error is raised for the task to retry, unless this is the
    last attempt. Returns the job's final status."""
    job = BacktestJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (BacktestStatus.DONE, BacktestStatus.FAILED):
        return job.status if job else "missing"  # a redelivered task: the work is done
    _update(job_id, status=BacktestStatus.RUNNING, progress=0, started_at=timezone.now(), error="")
    last = [0]

    def progress(percent: int) -> None:
        # Every 10 points at most: a poller sees it move without a write per race.
        percent = min(int(percent), 99)
        if percent >= last[0] + 10:
            last[0] = percent
            _update(job_id, progress=percent)

    try:
        result = backtest(strategy=Strategy.from_params(job.params), start=job.start, end=job.end, progress=progress)
        bets = result.pop("bets")
        unsettled = result.pop("unsettled")
        result["unsettled"] = unsettled[:UNSETTLED_KEPT]
        with transaction.atomic():
            BacktestBet.objects.filter(job_id=job_id).delete()  # a retried run starts clean
            BacktestBet.objects.bulk_create(
                (_bet_row(job, i, bet) for i, bet in enumerate(bets, start=1)), batch_size=2000
            )
            _update(
                job_id, status=BacktestStatus.DONE, progress=100, result=result_json(result), finished_at=timezone.now()
            )
        return BacktestStatus.DONE
    except TRANSIENT_ERRORS:
        if not final_attempt:
            _update(job_id, status=BacktestStatus.QUEUED, progress=0)
            raise
        logger.exception("backtest job %s: database unavailable, giving up", job_id)
        _fail(job_id, "The database was unavailable; try again later.")
    except Exception as exc:  # a job fails alone, with its reason; the worker carries on
        logger.exception("backtest job %s failed", job_id)
        _fail(job_id, f"{type(exc).__name__}: {exc}"[:2000])
    return BacktestStatus.FAILED


def _fail(job_id: int, error: str) -> None:
    _update(job_id, status=BacktestStatus.FAILED, error=error, finished_at=timezone.now())
