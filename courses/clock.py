"""A race's clock: where it stands now, from its status (what the feed said) and its start time (the off).

scheduled → off (the start time has passed, the feed has not said more) → running → finished → official
(the rapports définitifs are published); or cancelled. A race *has gone off* from its start time on, or once
the feed says it runs, finished or was cancelled; a race without a start time goes off with its day.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from .models import Race, RaceStatus

SCHEDULED, OFF, RUNNING, FINISHED, OFFICIAL, CANCELLED = (
    "scheduled",
    "off",
    "running",
    "finished",
    "official",
    "cancelled",
)
PHASES = (SCHEDULED, OFF, RUNNING, FINISHED, OFFICIAL, CANCELLED)


def race_phase(race: Race, now: dt.datetime | None = None) -> str:
    """The race's phase at ``now`` (default: the current time)."""
    now = now or timezone.now()
    if race.status == RaceStatus.CANCELLED:
        return CANCELLED
    if race.status == RaceStatus.FINISHED:
        return OFFICIAL if race.results_official else FINISHED
    if race.status == RaceStatus.RUNNING:
        return RUNNING
    if race.start_time is not None:
        return OFF if race.start_time <= now else SCHEDULED
    return OFF if race.meeting.date < timezone.localdate(now) else SCHEDULED


def next_off(now: dt.datetime | None = None) -> dt.datetime | None:
    """The next start time of a race still scheduled after ``now``: until then no race goes off by the clock alone
    (what the API's cached answers last at most: ``ANSWER_CACHE_SECONDS``)."""
    now = now or timezone.now()
    return (
        Race.objects.filter(status=RaceStatus.SCHEDULED, start_time__gt=now)
        .order_by("start_time")
        .values_list("start_time", flat=True)
        .first()
    )


def gone_off(now: dt.datetime | None = None, prefix: str = "") -> Q:
    """Q on Race (or on a model reaching it through ``prefix``, e.g. ``"race__"``): races that have gone off."""
    now = now or timezone.now()
    return (
        ~Q(**{f"{prefix}status": RaceStatus.SCHEDULED})
        | Q(**{f"{prefix}start_time__lte": now})
        | Q(**{f"{prefix}start_time__isnull": True, f"{prefix}meeting__date__lt": timezone.localdate(now)})
    )


def not_gone_off(now: dt.datetime | None = None, prefix: str = "") -> Q:
    """Q on Race (or through ``prefix``): races still to come, the only ones the market can still be bet on."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": RaceStatus.SCHEDULED}) & (
        Q(**{f"{prefix}start_time__gt": now})
        | Q(**{f"{prefix}start_time__isnull": True, f"{prefix}meeting__date__gte": timezone.localdate(now)})
    )
