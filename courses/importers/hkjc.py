"""Parser for the Hong Kong Jockey Club Kaggle data set ("Horse Racing in HK", gdaley/hkracing).

A folder holds ``races.csv`` (one row per race, with the win and place dividends) and
``runs.csv.gz`` (one row per runner; ``runs.csv`` uncompressed is accepted too). Horses,
jockeys and trainers are anonymised integer ids, kept as source ids. Dates are shifted by
the data set's author, so no start time is invented.

``runs`` is streamed twice: a cheap first pass finds the last line of every race, the
second builds each race as soon as its last runner is read. A sorted file therefore holds
one race in memory at a time, and an unsorted one still imports correctly.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from courses.models import BetType, Discipline, RaceStatus, RunnerStatus, Sex, Source

from .payloads import DividendPayload, HorseRef, PersonRef, RacePayload, Rejected, RejectRace, RunnerPayload
from .rows import (
    Row,
    RowError,
    extra_number,
    open_csv,
    read_rows,
    rejected_at,
    to_date,
    to_decimal,
    to_int,
    where,
)

RACES_FILE = "races.csv"
RUNS_FILES = ("runs.csv.gz", "runs.csv")

VENUES = {"ST": ("HK-ST", "Sha Tin"), "HV": ("HK-HV", "Happy Valley")}
COUNTRY = "HKG"
CURRENCY = "HKD"
SURFACES = {0: "turf", 1: "dirt"}
POUND_KG = Decimal("0.45359237")
# Dividends are published per HK$10 staked; the model stores them per HK$1.
DIVIDEND_UNIT = Decimal(10)

# horse_type mixes sex and coat colour (Brown, Grey, Roan): a colour says nothing about sex.
SEXES = {
    "gelding": Sex.GELDING,
    "mare": Sex.FEMALE,
    "filly": Sex.FEMALE,
    "horse": Sex.MALE,
    "colt": Sex.MALE,
    "rig": Sex.MALE,
}
NO_GEAR = "--"

# HKJC result codes for runners without a finishing place. The Kaggle runs file has none
# (its author kept only numeric places), but a fuller export has them.
RESULT_CODES = {
    "WV": RunnerStatus.NON_PARTANT,  # withdrawn by the vet
    "WV-A": RunnerStatus.NON_PARTANT,
    "WX": RunnerStatus.NON_PARTANT,  # withdrawn by the stewards
    "WX-A": RunnerStatus.NON_PARTANT,
    "WXNR": RunnerStatus.NON_PARTANT,
    "SCR": RunnerStatus.NON_PARTANT,
    "PU": RunnerStatus.PULLED_UP,
    "DNF": RunnerStatus.PULLED_UP,
    "TNP": RunnerStatus.PULLED_UP,  # took no part
    "UR": RunnerStatus.PULLED_UP,  # unseated rider
    "FE": RunnerStatus.FELL,
    "DISQ": RunnerStatus.DISQUALIFIED,
}
DEAD_HEAT_SUFFIX = "DH"  # "2 DH": a shared place
# lengths_behind 999 marks a horse beaten by a distance the source did not measure.
LENGTHS_NOT_MEASURED = Decimal(999)

RACE_COLUMNS = (
    "race_id",
    "date",
    "venue",
    "race_no",
    "config",
    "surface",
    "distance",
    "going",
    "horse_ratings",
    "prize",
    "race_class",
    *(f"place_combination{k}" for k in range(1, 5)),
    *(f"place_dividend{k}" for k in range(1, 5)),
    "win_combination1",
    "win_dividend1",
    "win_combination2",
    "win_dividend2",
)
RUN_COLUMNS = (
    "race_id",
    "horse_no",
    "horse_id",
    "result",
    "lengths_behind",
    "horse_age",
    "horse_country",
    "horse_type",
    "horse_rating",
    "horse_gear",
    "declared_weight",
    "actual_weight",
    "draw",
    "finish_time",
    "win_odds",
    "place_odds",
    "trainer_id",
    "jockey_id",
)


def find_files(folder: str | Path) -> tuple[Path, Path]:
    """The races and runs files of a data folder; ValueError says what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"not a folder: expected a folder holding {RACES_FILE} and {RUNS_FILES[0]}")
    races = folder / RACES_FILE
    if not races.is_file():
        raise ValueError(f"{RACES_FILE} is missing")
    for name in RUNS_FILES:
        if (folder / name).is_file():
            return races, folder / name
    raise ValueError(f"{' or '.join(RUNS_FILES)} is missing")


def parse_folder(folder: str | Path) -> tuple[Iterator[RacePayload | Rejected], int]:
    """Check both files, then return the races to write (lazily) and how many items will come."""
    races_path, runs_path = find_files(folder)
    races, duplicates, unnamed = _read_races(races_path)
    last_lines, orphans = _scan_runs(runs_path)
    total = len(races.keys() | last_lines.keys()) + orphans + len(unnamed)
    return _races(races, duplicates, unnamed, runs_path, last_lines), total


# -- files ---------------------------------------------------------------------------------


def _read_races(path: Path) -> tuple[dict[str, Row], dict[str, list[int]], list[int]]:
    """race_id -> its row (the file is small); race ids on more than one line; lines with no race_id."""
    races: dict[str, Row] = {}
    unnamed: list[int] = []
    lines: dict[str, list[int]] = {}
    with open_csv(path, RACE_COLUMNS) as (reader, header):
        for row in read_rows(reader, header):
            race_id = row.get("race_id")
            if not race_id:
                unnamed.append(row.line)
                continue
            lines.setdefault(race_id, []).append(row.line)
            races.setdefault(race_id, row)
    duplicates = {race_id: found for race_id, found in lines.items() if len(found) > 1}
    return races, duplicates, unnamed


def _scan_runs(path: Path) -> tuple[dict[str, int], int]:
    """First pass: the last line of each race's runs, and how many rows have no race_id."""
    last_lines: dict[str, int] = {}
    orphans = 0
    with open_csv(path, RUN_COLUMNS) as (reader, header):
        position = header.index["race_id"]
        for values in reader:
            race_id = values[position].strip() if position < len(values) else ""
            if race_id:
                last_lines[race_id] = reader.line_num
            elif any(value.strip() for value in values):
                orphans += 1
    return last_lines, orphans


def _races(
    races: dict[str, Row],
    duplicates: dict[str, list[int]],
    unnamed: list[int],
    runs_path: Path,
    last_lines: dict[str, int],
) -> Iterator[RacePayload | Rejected]:
    """Second pass: yield each race once its last runner has been read."""
    for line in unnamed:
        yield Rejected(f"{RACES_FILE} line {line}", "race_id is missing")
    pending: dict[str, list[Row]] = {}
    with open_csv(runs_path, RUN_COLUMNS) as (reader, header):
        for row in read_rows(reader, header):
            race_id = row.get("race_id")
            if not race_id:
                yield Rejected(f"{runs_path.name} line {row.line}", "race_id is missing")
                continue
            pending.setdefault(race_id, []).append(row)
            if row.line == last_lines.get(race_id):
                yield _race(race_id, races.get(race_id), pending.pop(race_id), runs_path.name, duplicates)
    # Only if the file changed between the two passes.
    for race_id, rows in pending.items():
        yield _race(race_id, races.get(race_id), rows, runs_path.name, duplicates)
    for race_id, row in races.items():
        if race_id not in last_lines:
            yield Rejected(_where(RACES_FILE, row.line, race_id), f"no runners in {runs_path.name}")


def _where(file_name: str, line: int, race_id: str) -> str:
    return where(file_name, line, "race_id", race_id)


# -- one race --------------------------------------------------------------------------------


def _race(
    race_id: str, race_row: Row | None, runs: list[Row], runs_name: str, duplicates: dict[str, list[int]]
) -> RacePayload | Rejected:
    first = _where(runs_name, runs[0].line, race_id)
    if race_row is None:
        return Rejected(first, f"race_id is not in {RACES_FILE}")
    if race_id in duplicates:
        lines = ", ".join(str(line) for line in duplicates[race_id])
        return Rejected(_where(RACES_FILE, race_row.line, race_id), f"race_id is on lines {lines} of {RACES_FILE}")
    try:
        race_row.check_width()
        payload = _race_payload(race_id, race_row, location=first)
        places, winners = _paid_saddles(payload.dividends)
    except RejectRace as exc:
        return Rejected(_where(RACES_FILE, race_row.line, race_id), str(exc))
    try:
        payload.runners = _runners(runs, places)
    except RowError as exc:
        return Rejected(_where(runs_name, exc.line, race_id), str(exc))
    # A horse disqualified after the dividends were paid is absent from runs but still in the
    # dividends: keep what was paid, and say which saddle numbers have no runner row.
    missing = sorted((places | winners) - {runner.saddle_number for runner in payload.runners})
    if missing:
        payload.extra["paid_saddles_not_in_runs"] = missing
    return payload


def _race_payload(race_id: str, row: Row, *, location: str) -> RacePayload:
    venue = row.get("venue")
    if venue not in VENUES:
        raise RejectRace(f"venue {venue!r} is not one of {', '.join(VENUES)}")
    surface = SURFACES.get(to_int(row.get("surface"), "surface", blank_ok=False))
    if surface is None:
        raise RejectRace(f"surface={row.get('surface')!r} is not 0 (turf) or 1 (dirt)")
    code, name = VENUES[venue]
    return RacePayload(
        source=Source.HKJC,
        source_id=race_id,
        location=location,
        date=to_date(row.get("date"), "date"),
        racecourse_code=code,
        racecourse_name=name,
        country=COUNTRY,
        number=to_int(row.get("race_no"), "race_no", blank_ok=False),
        discipline=Discipline.PLAT,
        distance=to_int(row.get("distance"), "distance", blank_ok=False),
        going=row.get("going"),
        surface=surface,
        race_class=row.get("race_class"),
        prize=to_decimal(row.get("prize"), "prize"),
        currency=CURRENCY,
        status=RaceStatus.FINISHED,
        extra={"config": row.get("config"), "horse_ratings": row.get("horse_ratings")},
        dividends=_dividends(row),
    )


def _dividends(row: Row) -> list[DividendPayload]:
    pairs = [(BetType.SIMPLE_GAGNANT, f"win_combination{k}", f"win_dividend{k}") for k in (1, 2)]
    pairs += [(BetType.SIMPLE_PLACE, f"place_combination{k}", f"place_dividend{k}") for k in range(1, 5)]
    dividends = []
    for bet_type, combination_column, amount_column in pairs:
        saddle = to_int(row.get(combination_column), combination_column)
        amount = to_decimal(row.get(amount_column), amount_column, places=4)
        if saddle is None and amount is None:
            continue
        if saddle is None or amount is None:
            raise RejectRace(f"{combination_column} and {amount_column} must both be given or both blank")
        dividends.append(
            DividendPayload(
                bet_type=bet_type,
                combination=str(saddle),
                amount=(amount / DIVIDEND_UNIT).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            )
        )
    return dividends


def _paid_saddles(dividends: list[DividendPayload]) -> tuple[set[int], set[int]]:
    places = {int(d.combination) for d in dividends if d.bet_type == BetType.SIMPLE_PLACE}
    winners = {int(d.combination) for d in dividends if d.bet_type == BetType.SIMPLE_GAGNANT}
    return places, winners


def _runners(rows: list[Row], places: set[int]) -> list[RunnerPayload]:
    runners: list[RunnerPayload] = []
    seen: dict[int, int] = {}
    for row in rows:
        with rejected_at(row.line):
            runner = _runner(row, places)
        saddle = runner.saddle_number
        if saddle in seen:
            raise RowError(row.line, f"horse_no {saddle} appears more than once (also line {seen[saddle]})")
        seen[saddle] = row.line
        runners.append(runner)
    return runners


def _runner(row: Row, places: set[int]) -> RunnerPayload:
    row.check_width()
    saddle = to_int(row.get("horse_no"), "horse_no", blank_ok=False, minimum=1)
    horse_id = row.get("horse_id")
    if not horse_id:
        raise RejectRace("horse_id is missing")
    status, position, extra = _result(row.get("result"))
    lengths, lengths_extra = _lengths_behind(row.get("lengths_behind"))
    extra.update(lengths_extra)
    extra.update(
        declared_weight_lb=extra_number(row.get("declared_weight"), "declared_weight"),
        actual_weight_lb=extra_number(row.get("actual_weight"), "actual_weight"),
    )
    gear = row.get("horse_gear")
    return RunnerPayload(
        saddle_number=saddle,
        horse=HorseRef(
            source_id=horse_id,
            name=f"HK horse {horse_id}",
            sex=SEXES.get(row.get("horse_type").lower(), Sex.UNKNOWN),
            country=row.get("horse_country"),
        ),
        jockey=_person("jockey", row.get("jockey_id")),
        trainer=_person("trainer", row.get("trainer_id")),
        draw=to_int(row.get("draw"), "draw", minimum=0),
        weight_kg=_kg(row.get("actual_weight")),
        age=to_int(row.get("horse_age"), "horse_age", minimum=0),
        rating=to_int(row.get("horse_rating"), "horse_rating", minimum=0),
        equipment="" if gear == NO_GEAR else gear,
        final_odds=to_decimal(row.get("win_odds"), "win_odds"),
        final_place_odds=to_decimal(row.get("place_odds"), "place_odds"),
        status=status,
        position=position,
        placed=(saddle in places) if places else None,
        finish_time=to_decimal(row.get("finish_time"), "finish_time"),
        lengths_behind=lengths,
        early_position=_early_position(row),
        last_section_time=_last_section_time(row),
        extra=extra,
    )


SECTIONS = 6  # time1..time6, position_sec1..position_sec6: as many sections as the longest race has


def _early_position(row: Row) -> int | None:
    """The horse's place at the first sectional call (1 = leading): its early speed, its running style."""
    raw = row.optional("position_sec1")
    value = to_decimal(raw, "position_sec1")
    if value is None:
        return None
    if value < 1 or value != value.to_integral_value():
        raise RejectRace(f"position_sec1={raw!r} is not a place (1 or more)")
    return int(value)


def _last_section_time(row: Row) -> Decimal | None:
    """The time of the race's last timed section (how fast it finished), from time1..time6."""
    last = None
    for k in range(1, SECTIONS + 1):
        raw = row.optional(f"time{k}")
        value = to_decimal(raw, f"time{k}")
        if value is not None:
            if value <= 0:
                raise RejectRace(f"time{k}={raw!r} must be a positive number of seconds")
            last = value
    return last


def _result(value: str) -> tuple[str, int | None, dict]:
    """(status, position, extra) for a result cell: a place, "2 DH", or an HKJC code."""
    text = " ".join(value.upper().split())
    if not text:
        raise RejectRace("result is missing")
    if text in RESULT_CODES:
        return RESULT_CODES[text], None, {"result": value}
    place = text.removesuffix(DEAD_HEAT_SUFFIX).strip()
    try:
        position = to_int(place, "result", blank_ok=False)
    except RejectRace:
        raise RejectRace(f"result={value!r} is neither a place nor a known HKJC code") from None
    if position < 1:
        raise RejectRace(f"result={value!r} is not a place (1 or more)")
    # The writer flags dead heats from shared places; the suffix itself adds nothing.
    return RunnerStatus.RUNNER, position, {}


def _lengths_behind(value: str) -> tuple[Decimal | None, dict]:
    """A margin in lengths; the 999 marker and negative margins are kept only as raw text."""
    lengths = to_decimal(value, "lengths_behind")
    if lengths is None:
        return None, {}
    if lengths == LENGTHS_NOT_MEASURED or lengths < 0:
        return None, {"lengths_behind_raw": value}
    return lengths, {}


def _kg(pounds: str) -> Decimal | None:
    weight = to_decimal(pounds, "actual_weight")
    if weight is None:
        return None
    return (weight * POUND_KG).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _person(kind: str, source_id: str) -> PersonRef | None:
    return PersonRef(source_id=source_id, name=f"HK {kind} {source_id}") if source_id else None
