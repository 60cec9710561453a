"""Tasks of the events: the fan-out of an event to its followers, the batched mails."""

from __future__ import annotations

from celery import shared_task

from turf.celery import RETRY_POLICY as RETRY

from ..services.events import FAN_OUT_TASK
from ..services.fanout import MAIL_TASK, event_fan_out, mail_batch_send, mail_batches_due

MAIL_SWEEP_TASK = "alerts.mail_batches_due"


@shared_task(name=FAN_OUT_TASK, **RETRY)
def event_fan_out_task(event_id: str) -> int:
    """Tell an event's followers (queued by its producer once committed); a second run does nothing."""
    return event_fan_out(event_id=event_id).followers


@shared_task(name=MAIL_TASK, **RETRY)
def mail_batch_send_task(batch_id: int) -> bool:
    """Mail a user's pending batch of a race's events (queued with ``TURF_ALERT_MAIL_DELAY`` when it opens). Eager
    Celery cannot hold the delay (it would mail each event of a burst apart): there beat's sweep sends the batch."""
    if mail_batch_send_task.app.conf.task_always_eager:
        return False
    return mail_batch_send(batch_id=batch_id)


@shared_task(name=MAIL_SWEEP_TASK, **RETRY)
def mail_batches_due_task() -> int:
    """Beat's sweep, every minute: the pending batches whose delay has passed, mailed (``mail_batches_due``)."""
    return mail_batches_due()
