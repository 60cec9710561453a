"""The HKJC folder: its two files read, and each race paired with its runners.

``runs`` is streamed twice: a cheap first pass finds the last line of every race, the
second builds each race as soon as its last runner is read. A sorted file therefore holds
one race in memory at a time, and an unsorted one still imports correctly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..payloads import RacePayload, Rejected, RejectRace
from ..rows import Row, RowError, open_csv, read_rows, where
from .race import paid_saddles, race_payload
from .runners import build_runners

RACES_FILE = "races.csv"
RUNS_FILES = ("runs.csv.gz", "runs.csv")

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


def _race(
    race_id: str, race_row: Row | None, runs: list[Row], runs_name: str, duplicates: dict[str, list[int]]
) -> RacePayload | Rejected:
    """The race of a ``races.csv`` row and its runs, or why not, at the line of the file at fault."""
    first = _where(runs_name, runs[0].line, race_id)
    if race_row is None:
        return Rejected(first, f"race_id is not in {RACES_FILE}")
    if race_id in duplicates:
        lines = ", ".join(str(line) for line in duplicates[race_id])
        return Rejected(_where(RACES_FILE, race_row.line, race_id), f"race_id is on lines {lines} of {RACES_FILE}")
    try:
        race_row.check_width()
        payload = race_payload(race_id, race_row, location=first)
        places, winners = paid_saddles(payload.dividends)
    except RejectRace as exc:
        return Rejected(_where(RACES_FILE, race_row.line, race_id), str(exc))
    try:
        payload.runners = build_runners(runs, places)
    except RowError as exc:
        return Rejected(_where(runs_name, exc.line, race_id), str(exc))
    # A horse disqualified after the dividends were paid is absent from runs but still in the
    # dividends: keep what was paid, and say which saddle numbers have no runner row.
    missing = sorted((places | winners) - {runner.saddle_number for runner in payload.runners})
    if missing:
        payload.extra["paid_saddles_not_in_runs"] = missing
    return payload
