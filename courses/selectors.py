"""Reads of the racing data."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Q, QuerySet

from .models import (
    OBSTACLE_DISCIPLINES,
    SYNTHETIC_SOURCES,
    TROT_DISCIPLINES,
    Discipline,
    Race,
    RunnerStatus,
)

# The kinds of race a programme can be narrowed to (``?filter=`` on the API).
RACE_FILTERS = {
    "all": Q(),
    "quinte": Q(is_quinte=True),
    "trot": Q(discipline__in=TROT_DISCIPLINES),
    "plat": Q(discipline=Discipline.PLAT),
    "obstacle": Q(discipline__in=OBSTACLE_DISCIPLINES),
}

# "R1C3", "R1-C3", "r1c3", "1-3": the réunion-course address of a race on a date.
_RACE_CODE = re.compile(r"^\s*R?(?P<r>\d{1,2})\s*[-_/ ]?\s*C?(?P<c>\d{1,2})\s*$", re.IGNORECASE)


def race_code_parse(code: str) -> tuple[int, int]:
    """Return (R, C) from an address like ``R1C3``, ``R1-C3`` or ``1-3``; ValueError otherwise."""
    match = _RACE_CODE.match(code or "")
    if not match:
        raise ValueError(f"{code!r} is not a race address: use R1C3, R1-C3 or 1-3")
    reunion, course = int(match["r"]), int(match["c"])
    if reunion < 1 or course < 1:
        raise ValueError(f"{code!r}: réunion and course numbers start at 1")
    return reunion, course


def race_list(*, day: dt.date, race_filter: str = "all") -> QuerySet[Race]:
    """The races of one day (of kind ``race_filter``) in programme order, with what their address and header need.

    Each carries ``runner_count``: the declared runners still running (non-partants left out).
    """
    return (
        Race.objects.filter(RACE_FILTERS[race_filter], meeting__date=day)
        .select_related("meeting", "meeting__racecourse")
        .annotate(runner_count=Count("runners", filter=~Q(runners__status=RunnerStatus.NON_PARTANT)))
        .order_by("meeting__number", "number")
    )


def race_get(*, day: dt.date, code: str) -> Race:
    """The race at address ``code`` on ``day``; Race.DoesNotExist when there is none."""
    reunion, course = race_code_parse(code)
    try:
        return race_list(day=day).get(meeting__number=reunion, number=course)
    except Race.DoesNotExist:
        raise Race.DoesNotExist(f"No race R{reunion}C{course} on {day:%Y-%m-%d}.") from None


def race_synthetic_ids(*, day: dt.date) -> frozenset[int]:
    """The ids of the day's races from a synthetic source (the generated demo programme)."""
    return frozenset(Race.objects.filter(meeting__date=day, source__in=SYNTHETIC_SOURCES).values_list("id", flat=True))
