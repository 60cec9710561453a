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
    Horse,
    Jockey,
    Race,
    RaceStatus,
    Runner,
    RunnerStatus,
    Trainer,
    race_code,
)

# The kinds of race a programme can be narrowed to (``?filter=`` on the API).
RACE_FILTERS = {
    "all": Q(),
    "quinte": Q(is_quinte=True),
    "trot": Q(discipline__in=TROT_DISCIPLINES),
    "plat": Q(discipline=Discipline.PLAT),
    "obstacle": Q(discipline__in=OBSTACLE_DISCIPLINES),
}

# The réunion-course address of a race on a date, in two spellings only: R1C3 (either case) and 1-3.
# A bare number is refused rather than guessed: "42" could be R4C2 or a race's id (which has its own
# route). Numbers run 1 to 99, without a leading zero, so that each race has one address of each kind.
RACE_ADDRESS_PATTERN = r"^(?:[Rr]([1-9][0-9]?)[Cc]|([1-9][0-9]?)-)([1-9][0-9]?)$"
_RACE_ADDRESS = re.compile(RACE_ADDRESS_PATTERN)


class RaceAddressError(ValueError):
    """A string that is not a race address (as opposed to an address with no race that day)."""


def race_code_parse(code: str) -> tuple[int, int]:
    """Return (R, C) from ``R1C3``, ``r1c3`` or ``1-3``; RaceAddressError for anything else."""
    match = _RACE_ADDRESS.match(code or "")
    if not match:
        shown = code if len(code or "") <= 20 else f"{code[:20]}…"  # echo a little, not 400 digits
        raise RaceAddressError(f"{shown!r} is not a race address: write R1C3, r1c3 or 1-3 (réunion 1, course 3).")
    by_letters, by_dash, course = match.groups()
    return int(by_letters or by_dash), int(course)


def _races() -> QuerySet[Race]:
    """Races with what their address and header need, and ``runner_count``: the runners still running."""
    return Race.objects.select_related("meeting", "meeting__racecourse").annotate(
        runner_count=Count("runners", filter=~Q(runners__status=RunnerStatus.NON_PARTANT))
    )


def race_list(*, day: dt.date, race_filter: str = "all") -> QuerySet[Race]:
    """The races of one day (of kind ``race_filter``) in programme order, each with ``runner_count``."""
    return _races().filter(RACE_FILTERS[race_filter], meeting__date=day).order_by("meeting__number", "number")


def race_get(*, day: dt.date, code: str) -> Race:
    """The race at address ``code`` on ``day``; RaceAddressError for no address, Race.DoesNotExist for no race."""
    reunion, course = race_code_parse(code)
    try:
        return race_list(day=day).get(meeting__number=reunion, number=course)
    except Race.DoesNotExist:
        raise Race.DoesNotExist(f"No race R{reunion}C{course} on {day:%Y-%m-%d}.") from None


def race_by_id(*, race_id: int) -> Race:
    """The race whose id is ``race_id``, with ``runner_count``; Race.DoesNotExist (with a message) when none."""
    try:
        return _races().get(pk=race_id)
    except Race.DoesNotExist:
        raise Race.DoesNotExist(f"No race {race_id}.") from None


def race_synthetic_ids(*, day: dt.date) -> frozenset[int]:
    """The ids of the day's races from a synthetic source (the generated demo programme)."""
    return frozenset(Race.objects.filter(meeting__date=day, source__in=SYNTHETIC_SOURCES).values_list("id", flat=True))


# A horse's or a person's form: their last runs and what they add up to. A run is a start in a finished race (a
# non-partant did not run); a place, a finish in the first three.
FORM_RUNS = 10
PLACES = 3
FORM_COLUMNS = (
    "pk",
    "race_id",
    "race__meeting__date",
    "race__meeting__number",
    "race__number",
    "race__name",
    "race__meeting__racecourse__name",
    "race__discipline",
    "race__distance",
    "race__status",
    "status",
    "position",
    "final_odds",
    "horse_id",
    "horse__name",
    "jockey_id",
    "jockey__name",
    "trainer_id",
    "trainer__name",
)
FORM_KINDS = {"horse": Horse, "jockey": Jockey, "trainer": Trainer}


def form_get(*, kind: str, target_id: int, runs: int = FORM_RUNS) -> dict:
    """A horse's, a jockey's or a trainer's form: ``{subject, runs: the last ``runs`` (newest first), summary:
    {runs, wins, places}, earnings}`` (earnings: a horse's career earnings as declared before its last race, when the
    data has them); the subject's DoesNotExist (with a message) when there is none."""
    model = FORM_KINDS[kind]
    try:
        subject = model.objects.get(pk=target_id)
    except model.DoesNotExist:
        raise model.DoesNotExist(f"No {kind} {target_id}.") from None
    starts = Runner.objects.filter(**{kind: subject})
    rows = starts.order_by("-race__meeting__date", "-race__meeting__number", "-race__number").values(*FORM_COLUMNS)
    last = [
        {
            "runner_id": row["pk"],
            "race_id": row["race_id"],
            "date": row["race__meeting__date"],
            "code": race_code(row["race__meeting__number"], row["race__number"]),
            "race_name": row["race__name"],
            "racecourse": row["race__meeting__racecourse__name"],
            "discipline": Discipline(row["race__discipline"]).label,
            "distance": row["race__distance"],
            "finished": row["race__status"] == RaceStatus.FINISHED,
            "status": row["status"],
            "position": row["position"],
            "odds": row["final_odds"],
            "horse_id": row["horse_id"],
            "horse": row["horse__name"],
            "jockey_id": row["jockey_id"],
            "jockey": row["jockey__name"],
            "trainer_id": row["trainer_id"],
            "trainer": row["trainer__name"],
        }
        for row in rows[:runs]
    ]
    ran = Q(race__status=RaceStatus.FINISHED) & ~Q(status=RunnerStatus.NON_PARTANT)
    summary = starts.aggregate(
        runs=Count("pk", filter=ran),
        wins=Count("pk", filter=ran & Q(position=1)),
        places=Count("pk", filter=ran & Q(position__gte=1, position__lte=PLACES)),
    )
    earnings = None
    if kind == "horse":
        latest = (
            starts.filter(career_earnings__isnull=False)
            .order_by("-race__meeting__date", "-race__number")
            .values_list("career_earnings", "race__currency")
            .first()
        )
        earnings = {"amount": latest[0], "currency": latest[1]} if latest else None
    return {"kind": kind, "subject": subject, "runs": last, "summary": summary, "earnings": earnings}
