"""Tasks of the webhooks: a delivery and its retries, and beat's sweep of the retries that are due."""

from __future__ import annotations

from celery import shared_task

from ..services.webhooks import DELIVER_TASK, webhook_attempt, webhook_retry_due

RETRY_DUE_TASK = "alerts.webhook_retry_due"


@shared_task(name=DELIVER_TASK, bind=True, max_retries=None, ignore_result=True, acks_late=True)
def webhook_deliver(self, delivery_id: str) -> str:
    """One attempt of a delivery; a failure is retried after the backoff the service gives, until its window ends
    (the service says when: ``max_retries`` is not the limit). In the embedded mode (eager Celery) a retry cannot
    wait: the row keeps its ``next_attempt_at`` and beat's sweep (``alerts.webhook_retry_due``) sends it then."""
    attempt = webhook_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None and not self.request.is_eager and not self.request.called_directly:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status


@shared_task(name=RETRY_DUE_TASK, ignore_result=True)
def webhook_retry_due_task() -> int:
    """Send again the deliveries whose next attempt is due and that no retry message holds (beat, every minute)."""
    return webhook_retry_due()
