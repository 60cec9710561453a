"""What wagering does when courses announces something (courses never imports wagering)."""

from __future__ import annotations

import logging

from celery import current_app
from django.dispatch import receiver

from courses.signals import results_written

from .tasks import SETTLE_BETS_TASK

logger = logging.getLogger("turf.wagering")


@receiver(results_written, dispatch_uid="wagering.settle_bets_on_results")
def settle_bets_on_results(sender, source: str, **kwargs) -> None:
    """New results may settle subscribers' open bets: hand that to the task queue (in-process when eager)."""
    try:
        current_app.signature(SETTLE_BETS_TASK).delay()
    except Exception:  # a broker that is down must not fail an import that has committed
        logger.warning("could not queue %s after a %s import", SETTLE_BETS_TASK, source, exc_info=True)
