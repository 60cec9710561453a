"""A PMU programme: its courses (races), each with the files later matched to it, and their finishing order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from courses.models import race_code

# What a PMU response is, as told by its shape (``files.classify``).
PROGRAMME, PARTICIPANTS, RAPPORTS, PERFORMANCES = "programme", "participants", "rapports", "performances"


@dataclass
class PmuFile:
    """One JSON file: what kind of PMU response it is, and its data."""

    path: Path
    kind: str
    data: object


@dataclass
class Course:
    """One race of a programme, with the participants and rapports files matched to it."""

    programme: Path
    location: str
    reunion: dict
    course: dict
    date: dt.date
    meeting: int | None
    number: int | None
    participants: PmuFile | None = None
    rapports: PmuFile | None = None


def programme_courses(file: PmuFile, where: str) -> Iterator[Course]:
    """Every course of a programme file, in its order; ValueError if the programme is not made of objects."""
    programme = file.data["programme"]
    for reunion in programme["reunions"]:
        if not isinstance(reunion, dict):
            raise ValueError(f"{where}: a réunion is not an object")
        meeting = small_int(reunion.get("numOfficiel"))
        date = _local_date(reunion, programme)
        for index, course in enumerate(reunion.get("courses") or [], start=1):
            if not isinstance(course, dict):
                raise ValueError(f"{where}: a course of réunion R{meeting} is not an object")
            number = small_int(course.get("numOrdre"))
            label = race_code(meeting, number) if number else f"R{meeting} course #{index} (no numOrdre)"
            yield Course(file.path, f"{where} {label}", reunion, course, date, meeting, number)


def small_int(value: object) -> int | None:
    """A JSON whole number as it is; None for anything else, a bool included (``True`` is an int in Python)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _local_date(reunion: dict, programme: dict) -> dt.date | None:
    """The programme day in PMU's local time: epoch ms shifted by the offset PMU gives."""
    stamp = reunion.get("dateReunion", programme.get("date"))
    offset = reunion.get("timezoneOffset", programme.get("timezoneOffset", 0))
    if not isinstance(stamp, int) or not isinstance(offset, int):
        return None
    return (dt.datetime.fromtimestamp(stamp / 1000, dt.UTC) + dt.timedelta(milliseconds=offset)).date()


def arrival_positions(course: dict) -> dict[int, int]:
    """Saddle -> position from the course ``ordreArrivee`` ([[7],[3,9],[1]]: 3 and 9 dead-heat 2nd,
    1 is 4th, as in the usual competition ranking)."""
    positions: dict[int, int] = {}
    place = 1
    for group in course.get("ordreArrivee") or []:
        group = group if isinstance(group, list) else [group]
        for number in group:
            if small_int(number) is not None:
                positions[number] = place
        place += len(group)
    return positions
