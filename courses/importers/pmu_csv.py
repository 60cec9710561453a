"""Parser for the flat PMU trot attelé CSV (``dataset_trot_attele.csv``, Aug–Nov 2025).

One row per *finishing* runner, exported by the data set's author from the PMU API with some
imputation (see its SOURCE.md): non-runners, disqualified horses and non-finishers are absent,
there is no réunion number (the writer allocates R per date and racecourse), no horse name and
no saddle number. Saddle numbers are therefore assigned 1..n by ascending ``horse_id`` — an
order that says nothing about the result — and flagged ``saddle_assigned`` in the runner's extra.

Rows of one race are scattered through the file, so the file (3.7 MB) is read once into memory
and grouped by ``race_id``; each race is then built, or rejected whole, on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path

from courses.models import Discipline, RaceStatus, RunnerStatus, Sex, Source

from .payloads import HorseRef, RacePayload, Rejected, RejectRace, RunnerPayload
from .pmu_json.participants import SEXES, SHOD, euros_from_cents, person
from .rows import (
    Row,
    RowError,
    build_or_reject,
    extra_number,
    id_order,
    open_csv,
    read_rows,
    rejected_at,
    same_race_columns,
    to_date,
    to_decimal,
    to_int,
)

# The author's derived history columns: kept in the runner's extra exactly as given (the
# imputed 56880.0 and 365 included; days_since_last_race is known to be wrong on ~half the rows).
DERIVED_COLUMNS = (
    "avg_red_km_last_5",
    "nb_races_last_5",
    "nb_dai_last_5",
    "avg_place_last_5",
    "days_since_last_race",
    "is_debutant",
)
COLUMNS = (
    "race_id",
    "race_number",
    "date_course",
    "horse_id",
    "target_rank",
    "hippodrome",
    "distance",
    "weather_temperature",
    "age",
    "sex",
    "shoeing_status",
    "driver",
    "entraineur",
    "gains_carriere",
    "cote_matin",
    *DERIVED_COLUMNS,
)
# The same for every row of a race; a race whose rows disagree on one is rejected.
RACE_COLUMNS = ("race_number", "date_course", "hippodrome", "distance", "weather_temperature")

CURRENCY = "EUR"
# The author imputed every missing cote_matin as exactly 50.0 (6,032 rows): not a real quote.
IMPUTED_MORNING_ODDS = Decimal("50.00")
BOOLEANS = {"True": True, "False": False}
# What the odds and earnings columns can hold: the database refuses more with an error, not a reject.
ODDS_LIMIT = Decimal("1000000")
EARNINGS_LIMIT = Decimal("1000000000000")

# PMU hippodrome codes we can name with confidence (SOURCE.md and the best-known tracks);
# any other code is kept as its own name, with no country rather than a guessed one.
RACECOURSES = {
    "VIN": ("Vincennes", "FRA"),
    "ENG": ("Enghien", "FRA"),
    "CAB": ("Cabourg", "FRA"),
    "CAE": ("Caen", "FRA"),
    "LAV": ("Laval", "FRA"),
    "CAG": ("Cagnes-sur-Mer", "FRA"),
    "PET": ("Nantes", "FRA"),
    "HWM": ("Mons-Ghlin", "BEL"),
    "SOL": ("Solvalla", "SWE"),
}


def parse_file(path: str | Path) -> tuple[Iterator[RacePayload | Rejected], int]:
    """Read and group the file, then return its races (built lazily) and how many items will come."""
    path = Path(path)
    races, orphans = _read(path)
    horses = _latest_horse_rows(races)
    ordered = sorted(races.items(), key=lambda item: _race_order(item[1]))
    return _items(path.name, ordered, orphans, horses), len(races) + len(orphans)


# -- the file ----------------------------------------------------------------------------------


def _read(path: Path) -> tuple[dict[str, list[Row]], list[int]]:
    """race_id -> its rows, and the lines of rows that have no race_id."""
    if path.is_dir():
        raise ValueError(f"{path.name} is a folder: expected the dataset_trot_attele.csv file")
    races: dict[str, list[Row]] = {}
    orphans: list[int] = []
    with open_csv(path, COLUMNS) as (reader, header):
        # A short or long row is kept with its race, which is then rejected at its line, not silently.
        for row in read_rows(reader, header):
            race_id = row.get("race_id")
            if race_id:
                races.setdefault(race_id, []).append(row)
            else:
                orphans.append(row.line)
    return races, orphans


def _race_order(rows: list[Row]) -> tuple:
    """Date first, then file order: the writer numbers a date's réunions in the order it meets them."""
    return (rows[0].get("date_course"), rows[0].line)


def _latest_horse_rows(races: dict[str, list[Row]]) -> dict[str, Row]:
    """horse_id -> its row in its latest race: a horse's sex can change (gelded) during the season."""
    latest: dict[str, Row] = {}
    for rows in races.values():
        for row in rows:
            horse_id = row.get("horse_id")
            known = latest.get(horse_id)
            if known is None or (row.get("date_course"), row.line) > (known.get("date_course"), known.line):
                latest[horse_id] = row
    return latest


def _items(
    file_name: str, races: list[tuple[str, list[Row]]], orphans: list[int], horses: dict[str, Row]
) -> Iterator[RacePayload | Rejected]:
    for line in orphans:
        yield Rejected(f"{file_name} line {line}", "race_id is missing")
    for race_id, rows in races:
        yield build_race(file_name, race_id, rows, horses)


# -- one race ----------------------------------------------------------------------------------


def build_race(file_name: str, race_id: str, rows: list[Row], horses: dict[str, Row]) -> RacePayload | Rejected:
    """The race of ``rows`` (all with this race_id), or why it cannot be imported."""
    return build_or_reject(rows, file_name, "race_id", race_id, partial(_race, race_id, rows, horses))


def _race(race_id: str, rows: list[Row], horses: dict[str, Row], location: str) -> RacePayload:
    same_race_columns(rows, RACE_COLUMNS)
    payload = _race_payload(race_id, rows[0], location=location)
    payload.runners = _runners(rows, payload.date, horses)
    return payload


def _race_payload(race_id: str, row: Row, *, location: str) -> RacePayload:
    code = row.get("hippodrome")
    if not code:
        raise RejectRace("hippodrome is missing")
    name, country = RACECOURSES.get(code, (code, ""))
    return RacePayload(
        source=Source.PMU_CSV,
        source_id=race_id,
        location=location,
        date=to_date(row.get("date_course"), "date_course"),
        racecourse_code=code,
        racecourse_name=name,
        country=country,
        number=to_int(row.get("race_number"), "race_number", blank_ok=False),
        meeting_number=None,
        discipline=Discipline.TROT_ATTELE,
        distance=to_int(row.get("distance"), "distance", blank_ok=False),
        currency=CURRENCY,
        status=RaceStatus.FINISHED,
        extra={
            "weather_temperature": extra_number(row.get("weather_temperature"), "weather_temperature"),
            # Only finishers were exported: the field here is smaller than the declared one.
            "finishers_only": True,
        },
    )


def _runners(rows: list[Row], date: dt.date, horses: dict[str, Row]) -> list[RunnerPayload]:
    seen: dict[str, int] = {}
    for row in rows:
        horse_id = row.get("horse_id")
        if not horse_id:
            raise RowError(row.line, "horse_id is missing")
        if horse_id in seen:
            raise RowError(row.line, f"horse_id {horse_id} appears more than once (also line {seen[horse_id]})")
        seen[horse_id] = row.line
    # Saddle numbers by ascending horse_id: the file has none, and any order built from the
    # rows' own results (rank, odds) would leak the result into a pre-race field.
    ordered = sorted(rows, key=lambda row: id_order(row.get("horse_id")))
    runners = []
    for saddle, row in enumerate(ordered, start=1):
        with rejected_at(row.line):
            runners.append(_runner(row, saddle, date, horses[row.get("horse_id")]))
    return runners


def _runner(row: Row, saddle: int, date: dt.date, latest: Row) -> RunnerPayload:
    rank = to_int(row.get("target_rank"), "target_rank", blank_ok=False, minimum=1)
    age = to_int(row.get("age"), "age")
    sex = row.get("sex")
    if sex and sex not in SEXES:
        raise RejectRace(f"sex={sex!r} is not one of {', '.join(SEXES)}")
    extra = {name: _derived(row, name) for name in DERIVED_COLUMNS}
    extra["saddle_assigned"] = True
    return RunnerPayload(
        saddle_number=saddle,
        horse=_horse(latest),
        jockey=person(row.get("driver")),
        trainer=person(row.get("entraineur")),
        age=age,
        career_earnings=_earnings(row.get("gains_carriere")),
        shoeing=row.get("shoeing_status")[:40] or SHOD,
        morning_odds=_morning_odds(row.get("cote_matin")),
        status=RunnerStatus.RUNNER,
        # Dead heats share a rank; the writer flags them from the shared position.
        position=rank,
        extra=extra,
    )


def _horse(row: Row) -> HorseRef:
    """The horse as its latest row describes it, so every race gives the writer the same facts."""
    horse_id = row.get("horse_id")
    try:
        age = to_int(row.get("age"), "age")
        year = to_date(row.get("date_course"), "date_course").year
    except RejectRace:  # that row's own race is rejected for it; here it only costs the birth year
        age = None
    return HorseRef(
        source_id=horse_id[:120],
        name=f"PMU horse {horse_id}"[:120],
        sex=SEXES.get(row.get("sex"), Sex.UNKNOWN),
        # PMU ages count from 1 January: age = race year - birth year.
        birth_year=year - age if age else None,
    )


def _earnings(value: str) -> Decimal | None:
    euros = euros_from_cents(value, "gains_carriere")
    if euros is None:
        return None
    if not 0 <= euros < EARNINGS_LIMIT:
        raise RejectRace(f"gains_carriere={value!r} is not a plausible amount of cents")
    return euros


def _morning_odds(value: str) -> Decimal | None:
    odds = to_decimal(value, "cote_matin")
    if odds is None or odds == IMPUTED_MORNING_ODDS:
        return None
    if odds < 1:
        raise RejectRace(f"cote_matin={value!r} is below 1.0")
    if odds >= ODDS_LIMIT:
        raise RejectRace(f"cote_matin={value!r} is too large to be odds")
    return odds


def _derived(row: Row, name: str):
    value = row.get(name)
    if name == "is_debutant":
        if value not in BOOLEANS:
            raise RejectRace(f"is_debutant={value!r} is not True or False")
        return BOOLEANS[value]
    return extra_number(value, name)
