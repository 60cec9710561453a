"""What every importer produces: one ``RacePayload`` per race, in the model's own units.

Parsers only read their format and fill these; ``courses.importers.writer`` is the one
place that writes races to the database (atomically, idempotently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from courses.models import RaceStatus, RunnerStatus, Sex


class RejectRace(Exception):
    """The race cannot be imported as it stands; the message says why."""


@dataclass(frozen=True)
class PersonRef:
    source_id: str
    name: str


@dataclass(frozen=True)
class HorseRef:
    source_id: str
    name: str
    sex: str = Sex.UNKNOWN
    birth_year: int | None = None
    country: str = ""
    sire: str = ""
    dam: str = ""


@dataclass
class RunnerPayload:
    saddle_number: int
    horse: HorseRef
    jockey: PersonRef | None = None
    trainer: PersonRef | None = None
    draw: int | None = None
    weight_kg: Decimal | None = None
    handicap_distance: int | None = None
    age: int | None = None
    rating: int | None = None
    career_earnings: Decimal | None = None
    musique: str = ""
    shoeing: str = ""
    equipment: str = ""
    morning_odds: Decimal | None = None
    final_odds: Decimal | None = None
    final_place_odds: Decimal | None = None
    rated_price: Decimal | None = None
    status: str = RunnerStatus.RUNNER
    position: int | None = None
    placed: bool | None = None
    finish_time: Decimal | None = None
    reduction_km: Decimal | None = None
    lengths_behind: Decimal | None = None
    early_position: int | None = None
    last_section_time: Decimal | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class DividendPayload:
    bet_type: str
    combination: str
    amount: Decimal
    label: str = ""


@dataclass
class RacePayload:
    source: str
    source_id: str
    location: str  # where the race came from, for error reports: "runs.csv.gz line 12 (race_id 3)"
    date: dt.date
    racecourse_code: str
    racecourse_name: str
    number: int
    discipline: str
    distance: int
    meeting_number: int | None = None  # None: the writer gives the meeting the next free R on the date
    country: str = ""
    name: str = ""
    going: str = ""
    surface: str = ""
    race_class: str = ""
    prize: Decimal | None = None
    currency: str = ""
    start_time: dt.datetime | None = None
    is_quinte: bool = False
    status: str = RaceStatus.FINISHED
    declared_runners: int | None = None
    extra: dict = field(default_factory=dict)
    runners: list[RunnerPayload] = field(default_factory=list)
    dividends: list[DividendPayload] = field(default_factory=list)
    # False when the source said nothing of the runners / the rapports this time (a PMU programme read without
    # its participants or rapports définitifs, a race not yet published): the writer leaves the stored ones
    # alone instead of taking the empty list for "none".
    runners_known: bool = True
    dividends_known: bool = True
    # The arrival is official and the rapports définitifs are written; None: the source does not say, the
    # stored value stays.
    results_official: bool | None = None


@dataclass(frozen=True)
class Rejected:
    """A race a parser could not read; reported with where it is and why."""

    location: str
    reason: str
