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

import csv
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from courses.models import Discipline, RaceStatus, RunnerStatus, Sex, Source

from .payloads import HorseRef, PersonRef, RacePayload, Rejected, RejectRace, RunnerPayload, to_decimal, to_int

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
SEXES = {"HONGRES": Sex.GELDING, "FEMELLES": Sex.FEMALE, "MALES": Sex.MALE}
# The author imputed every missing cote_matin as exactly 50.0 (6,032 rows): not a real quote.
IMPUTED_MORNING_ODDS = Decimal("50.00")
# Blank deferre means a fully shod trotter; stored as the PMU JSON importer stores it.
SHOD = "FERRE"
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


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]
    defect: str = ""  # a row-level defect (wrong number of fields) that rejects its race

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


class _RowError(Exception):
    """A runner row is unusable: the race is rejected at that row's line."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def parse_file(path: str | Path) -> tuple[Iterator[RacePayload | Rejected], int]:
    """Read and group the file, then return its races (built lazily) and how many items will come."""
    path = Path(path)
    races, orphans = _read(path)
    horses = _latest_horse_rows(races)
    ordered = sorted(races.items(), key=lambda item: _race_order(item[1]))
    return _items(path.name, ordered, orphans, horses), len(races) + len(orphans)


# -- the file ----------------------------------------------------------------------------------


def _read(path: Path) -> tuple[dict[str, list[_Row]], list[int]]:
    """race_id -> its rows, and the lines of rows that have no race_id."""
    if path.is_dir():
        raise ValueError(f"{path.name} is a folder: expected the dataset_trot_attele.csv file")
    races: dict[str, list[_Row]] = {}
    orphans: list[int] = []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
            missing = [name for name in COLUMNS if name not in header]
            if missing:
                raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                # A short or long row is kept so its race is rejected at this line, not silently.
                defect = ""
                if len(values) != len(header):
                    defect = f"the row has {len(values)} fields, the header {len(header)}"
                row = _Row(reader.line_num, dict(zip(header, values, strict=False)), defect)
                race_id = row.get("race_id")
                if race_id:
                    races.setdefault(race_id, []).append(row)
                else:
                    orphans.append(row.line)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc})") from None
    return races, orphans


def _race_order(rows: list[_Row]) -> tuple:
    """Date first, then file order: the writer numbers a date's réunions in the order it meets them."""
    return (rows[0].get("date_course"), rows[0].line)


def _latest_horse_rows(races: dict[str, list[_Row]]) -> dict[str, _Row]:
    """horse_id -> its row in its latest race: a horse's sex can change (gelded) during the season."""
    latest: dict[str, _Row] = {}
    for rows in races.values():
        for row in rows:
            horse_id = row.get("horse_id")
            known = latest.get(horse_id)
            if known is None or (row.get("date_course"), row.line) > (known.get("date_course"), known.line):
                latest[horse_id] = row
    return latest


def _items(
    file_name: str, races: list[tuple[str, list[_Row]]], orphans: list[int], horses: dict[str, _Row]
) -> Iterator[RacePayload | Rejected]:
    for line in orphans:
        yield Rejected(f"{file_name} line {line}", "race_id is missing")
    for race_id, rows in races:
        yield build_race(file_name, race_id, rows, horses)


def _where(file_name: str, line: int, race_id: str) -> str:
    return f"{file_name} line {line} (race_id {race_id})"


# -- one race ----------------------------------------------------------------------------------


def build_race(file_name: str, race_id: str, rows: list[_Row], horses: dict[str, _Row]) -> RacePayload | Rejected:
    """The race of ``rows`` (all with this race_id), or why it cannot be imported."""
    first = rows[0]
    try:
        for row in rows:
            if row.defect:
                raise _RowError(row.line, row.defect)
        _check_race_columns(rows)
        payload = _race_payload(race_id, first, location=_where(file_name, first.line, race_id))
        payload.runners = _runners(rows, payload.date, horses)
    except _RowError as exc:
        return Rejected(_where(file_name, exc.line, race_id), str(exc))
    except RejectRace as exc:
        return Rejected(_where(file_name, first.line, race_id), str(exc))
    except ArithmeticError as exc:  # to_decimal / to_int on a number too large to hold ("1e30")
        return Rejected(_where(file_name, first.line, race_id), f"a number is out of range ({type(exc).__name__})")
    return payload


def _check_race_columns(rows: list[_Row]) -> None:
    first = rows[0]
    for row in rows[1:]:
        for name in RACE_COLUMNS:
            if row.get(name) != first.get(name):
                differs = f"{name}={row.get(name)!r} differs from {first.get(name)!r} on line {first.line}"
                raise _RowError(row.line, differs)


def _race_payload(race_id: str, row: _Row, *, location: str) -> RacePayload:
    code = row.get("hippodrome")
    if not code:
        raise RejectRace("hippodrome is missing")
    name, country = RACECOURSES.get(code, (code, ""))
    return RacePayload(
        source=Source.PMU_CSV,
        source_id=race_id,
        location=location,
        date=_date(row.get("date_course")),
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
            "weather_temperature": _number(row.get("weather_temperature"), "weather_temperature"),
            # Only finishers were exported: the field here is smaller than the declared one.
            "finishers_only": True,
        },
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RejectRace(f"date_course={value!r} is not YYYY-MM-DD") from None


def _runners(rows: list[_Row], date: dt.date, horses: dict[str, _Row]) -> list[RunnerPayload]:
    seen: dict[str, int] = {}
    for row in rows:
        horse_id = row.get("horse_id")
        if not horse_id:
            raise _RowError(row.line, "horse_id is missing")
        if horse_id in seen:
            raise _RowError(row.line, f"horse_id {horse_id} appears more than once (also line {seen[horse_id]})")
        seen[horse_id] = row.line
    # Saddle numbers by ascending horse_id: the file has none, and any order built from the
    # rows' own results (rank, odds) would leak the result into a pre-race field.
    ordered = sorted(rows, key=lambda row: _id_order(row.get("horse_id")))
    runners = []
    for saddle, row in enumerate(ordered, start=1):
        try:
            runners.append(_runner(row, saddle, date, horses[row.get("horse_id")]))
        except RejectRace as exc:
            raise _RowError(row.line, str(exc)) from None
    return runners


def _id_order(horse_id: str) -> tuple:
    """Numeric ids in numeric order (9 before 10); anything else after them, as text."""
    return (0, int(horse_id), "") if horse_id.isdigit() else (1, 0, horse_id)


def _runner(row: _Row, saddle: int, date: dt.date, latest: _Row) -> RunnerPayload:
    rank = to_int(row.get("target_rank"), "target_rank", blank_ok=False)
    if rank < 1:
        raise RejectRace(f"target_rank={rank} must be 1 or more")
    age = to_int(row.get("age"), "age")
    sex = row.get("sex")
    if sex and sex not in SEXES:
        raise RejectRace(f"sex={sex!r} is not one of {', '.join(SEXES)}")
    extra = {name: _derived(row, name) for name in DERIVED_COLUMNS}
    extra["saddle_assigned"] = True
    return RunnerPayload(
        saddle_number=saddle,
        horse=_horse(latest),
        jockey=_person(row.get("driver")),
        trainer=_person(row.get("entraineur")),
        age=age,
        career_earnings=_cents(row.get("gains_carriere")),
        shoeing=row.get("shoeing_status")[:40] or SHOD,
        morning_odds=_morning_odds(row.get("cote_matin")),
        status=RunnerStatus.RUNNER,
        # Dead heats share a rank; the writer flags them from the shared position.
        position=rank,
        extra=extra,
    )


def _horse(row: _Row) -> HorseRef:
    """The horse as its latest row describes it, so every race gives the writer the same facts."""
    horse_id = row.get("horse_id")
    try:
        age = to_int(row.get("age"), "age")
        year = _date(row.get("date_course")).year
    except RejectRace:  # that row's own race is rejected for it; here it only costs the birth year
        age = None
    return HorseRef(
        source_id=horse_id[:120],
        name=f"PMU horse {horse_id}"[:120],
        sex=SEXES.get(row.get("sex"), Sex.UNKNOWN),
        # PMU ages count from 1 January: age = race year - birth year.
        birth_year=year - age if age else None,
    )


def _person(name: str) -> PersonRef | None:
    return PersonRef(source_id=name[:120], name=name[:120]) if name else None


def _cents(value: str) -> Decimal | None:
    cents = to_decimal(value, "gains_carriere", places=0)
    if cents is None:
        return None
    euros = (cents / 100).quantize(Decimal("0.01"))
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


def _derived(row: _Row, name: str):
    value = row.get(name)
    if name == "is_debutant":
        if value not in BOOLEANS:
            raise RejectRace(f"is_debutant={value!r} is not True or False")
        return BOOLEANS[value]
    return _number(value, name)


def _number(value: str, name: str) -> int | float | None:
    """A JSON-friendly number for ``extra``, unchanged (float round-trips the file's text); blank is None."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RejectRace(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise RejectRace(f"{name}={value!r} is not a finite number")
    return int(number) if number.is_integer() else number
