"""What wagering does when courses announces something (courses never imports wagering)."""

from __future__ import annotations

from celery import current_app
from django.dispatch import receiver

from courses.signals import results_written

from .tasks import SETTLE_BETS_TASK


@receiver(results_written, dispatch_uid="wagering.settle_bets_on_results")
def settle_bets_on_results(sender, source: str, **kwargs) -> None:
    """New results may settle subscribers' open bets: hand that to the task queue (in-process when eager).

    A broker that is down raises here; the import sends the signal robustly and logs it, its races committed."""
    current_app.signature(SETTLE_BETS_TASK).delay()
