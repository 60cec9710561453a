"""The live day, as thin Celery tasks that django-celery-beat runs (``courses/migrations/0005_sched_feed_schedule``):
the morning step and the minute tick. Their management command twins, ``feed_day`` and ``feed_tick``, run the same
services without a broker."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from turf.celery import RETRY_POLICY, TRANSIENT_ERRORS

from .feeds import FeedUnavailable
from .health import configured_feed
from .schedule import feed_day, programme_catch_up, run_due_checks

logger = logging.getLogger("turf.tasks")

FEED_MORNING_TASK = "courses.feed_morning"
FEED_TICK_TASK = "courses.feed_tick"


# A feed that cannot be read in the morning is tried again (30 s, then doubling, five times), as the database is.
@shared_task(name=FEED_MORNING_TASK, **{**RETRY_POLICY, "autoretry_for": (*TRANSIENT_ERRORS, FeedUnavailable)})
def feed_morning(day: str | None = None) -> dict:
    """Today's and tomorrow's programme from the configured feed, then their checks planned."""
    if configured_feed() is None:
        return {"feed": "off"}
    first = dt.date.fromisoformat(day) if day else timezone.localdate()
    out, failure = {}, None
    for date in (first, first + dt.timedelta(days=1)):
        try:
            fed, planned = feed_day(date=date)
        except FeedUnavailable as exc:  # the other day may still be read; then the task is retried
            logger.warning("feed_morning %s: %s", date, exc)
            out[date.isoformat()] = f"unavailable: {exc}"
            failure = failure or exc
            continue
        logger.info("feed_morning %s: %s; %s", date, fed.summary(), planned.summary())
        out[date.isoformat()] = f"{fed.summary()}; {planned.summary()}"
    if failure is not None:
        raise failure
    return out


@shared_task(name=FEED_TICK_TASK, **RETRY_POLICY)
def feed_tick() -> dict:
    """Run the scheduled checks that are due (every minute); read the day's programme again when the morning step
    could not."""
    caught_up = programme_catch_up()
    return {**run_due_checks().as_dict(), **({"programme": caught_up} if caught_up else {})}
