"""Reads of the racing data."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import QuerySet

from .models import Race

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


def race_list(*, day: dt.date) -> QuerySet[Race]:
    """The races of one day in programme order, with what their address and header need."""
    return (
        Race.objects.filter(meeting__date=day)
        .select_related("meeting", "meeting__racecourse")
        .order_by("meeting__number", "number")
    )


def race_get(*, day: dt.date, code: str) -> Race:
    """The race at address ``code`` on ``day``; Race.DoesNotExist when there is none."""
    reunion, course = race_code_parse(code)
    return race_list(day=day).get(meeting__number=reunion, number=course)
