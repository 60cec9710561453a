"""What a bet pays, as thin Celery tasks: settle subscribers' bets when results land, run backtest jobs.

Each takes ids, calls a service and retries on transient errors; each has a command twin or runs
from the API in the embedded mode (eager Celery).
"""

from __future__ import annotations

from celery import shared_task

from turf.celery import RETRY_POLICY as RETRY

from .services.backtest_jobs import BACKTEST_TASK, backtest_job_run, backtest_jobs_requeue
from .services.bankroll import user_bets_settle

SETTLE_BETS_TASK = "wagering.settle_bets"


@shared_task(name=SETTLE_BETS_TASK, **RETRY)
def settle_bets(race_ids: list[int] | None = None) -> int:
    """Settle subscribers' open bets on races whose result has arrived (queued after each import)."""
    return user_bets_settle(race_ids=race_ids)


@shared_task(name=BACKTEST_TASK, bind=True, **RETRY)
def backtest(self, job_id: int) -> str:
    """Run a queued backtest job; the service reports progress, stores the result and marks it done or failed."""
    return backtest_job_run(job_id=job_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(name="wagering.backtest_requeue")
def backtest_requeue() -> int:
    """Send again the backtest jobs the task queue did not take when they were asked for (beat, every minute)."""
    return backtest_jobs_requeue()
