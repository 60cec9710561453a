"""Betfair files: which format each CSV is, and its rows grouped into one race per win market."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from courses.models import Source

from ..payloads import RacePayload, Rejected, RejectRace
from ..rows import Row, build_or_reject, open_csv, read_rows
from .anz import anz_race
from .cells import Dropped
from .uk import uk_race

ANZ, UK = "anz", "uk_ie"
SOURCES = {ANZ: Source.BETFAIR_ANZ, UK: Source.BETFAIR_UK_IE}

ANZ_COLUMNS = (
    "LOCAL_MEETING_DATE",
    "SCHEDULED_RACE_TIME",
    "TRACK",
    "STATE_CODE",
    "RACE_NO",
    "WIN_MARKET_ID",
    "WIN_MARKET_NAME",
    "PLACE_MARKET_ID",
    "DISTANCE",
    "RACE_TYPE",
    "SELECTION_ID",
    "TAB_NUMBER",
    "SELECTION_NAME",
    "WIN_RESULT",
    "WIN_BSP",
    "PLACE_RESULT",
    "PLACE_BSP",
    "BEST_AVAIL_BACK_AT_SCHEDULED_OFF",
)
UK_COLUMNS = (
    "LOCAL_RACE_DATE",
    "RACETIME",
    "COUNTRY_ID",
    "TRACK",
    "EVENT_ID",
    "WIN_MARKET_ID",
    "PLACE_MARKET_ID",
    "RACE_NAME",
    "WIN_MARKET_NAME",
    "RACE_NUMBER",
    "SELECTION_ID",
    "RUNNER_NAME",
    "RATED_PRICE",
    "WIN_BSP",
    "WIN_RESULT",
    "PLACE_BSP",
    "PLACE_RESULT",
)
# A column only one format has tells the formats apart.
MARKERS = {ANZ: "TAB_NUMBER", UK: "RATED_PRICE"}
COLUMNS = {ANZ: ANZ_COLUMNS, UK: UK_COLUMNS}
BUILDERS = {ANZ: anz_race, UK: uk_race}


@dataclass
class BetfairFile:
    """One CSV file: its format and how many win markets (races) it holds."""

    path: Path
    kind: str
    markets: int


@dataclass
class Scan:
    """The CSV files found under a path; each format is imported in its own pass, as its own source."""

    files: list[BetfairFile] = field(default_factory=list)

    def kinds(self) -> list[str]:
        """The formats found, ANZ first."""
        return [kind for kind in (ANZ, UK) if any(f.kind == kind for f in self.files)]

    def total(self, kind: str) -> int:
        """How many races the files of one format hold, for the progress bar."""
        return sum(f.markets for f in self.files if f.kind == kind)

    def items(self, kind: str, dropped: Dropped) -> Iterator[RacePayload | Rejected]:
        """The races of every file of one format, built or rejected one by one."""
        for found in self.files:
            if found.kind == kind:
                yield from parse_file(found.path, kind, dropped)


def scan(path: str | Path) -> Scan:
    """Every CSV of ``path`` with its format; ValueError for an unknown header or no CSV at all."""
    path = Path(path)
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not paths:
            raise ValueError("no .csv file in the folder")
    else:
        paths = [path]
    found = Scan()
    for csv_path in paths:
        with _open(csv_path) as (reader, header, kind):
            position = header.index["WIN_MARKET_ID"]
            markets = {values[position].strip() for values in reader if len(values) > position}
        found.files.append(BetfairFile(csv_path, kind, len(markets - {""})))
    return found


@contextmanager
def _open(path: Path):
    """A csv reader past a checked header, with the header and the file's format."""
    with open_csv(path) as (reader, header):
        kind = next((kind for kind, marker in MARKERS.items() if marker in header.index), None)
        if kind is None:
            raise ValueError(f"{path.name}: not a Betfair ANZ ({MARKERS[ANZ]}) or UK/IE ({MARKERS[UK]}) file")
        header.require(COLUMNS[kind], path.name)
        yield reader, header, kind


def parse_file(path: Path, kind: str, dropped: Dropped) -> Iterator[RacePayload | Rejected]:
    """The races of one file (grouped by win market), each built or rejected on its own."""
    markets: dict[str, list[Row]] = {}
    with _open(path) as (reader, header, found_kind):
        if found_kind != kind:
            raise ValueError(f"{path.name}: its format changed while importing")
        for row in read_rows(reader, header):
            markets.setdefault(row.get("WIN_MARKET_ID"), []).append(row)
    for market_id, rows in markets.items():
        item = build_or_reject(rows, path.name, "market", market_id, partial(_market, kind, market_id, rows, dropped))
        if item is not None:
            yield item


def _market(kind: str, market_id: str, rows: list[Row], dropped: Dropped, where: str) -> RacePayload | None:
    """The race of one win market, or None when none of its runners ran."""
    if not market_id:
        raise RejectRace("WIN_MARKET_ID is missing")
    return BUILDERS[kind](market_id, rows, where, dropped)
