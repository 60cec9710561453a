"""Parser for the Betfair Data Scientists CSV files: ANZ thoroughbreds and the UK/IE model.

A path is one CSV file or a folder of them; each file's header says which of the two formats it
is, and so which source its races belong to:

- ANZ (``ANZ_Thoroughbreds_YYYY_MM.csv``, 40 columns, ``TAB_NUMBER``): every runner that took part
  in an Australian or New Zealand win market, with its BSP and win/place result. Scratched horses
  are simply absent (the saddle numbers have gaps), so no row is dropped as a non-runner; a
  runner whose market had no BSP (two New Zealand races) is kept with no final odds. A few
  markets list each runner once per place market (a void one with no result and the settled
  one): the runner is kept once, from the settled place market.
- UK/IE (``UK_IE_Thoroughbred_Racing_Model_YYYY-MM.csv``, 17 columns, ``RATED_PRICE``): Betfair's
  model price beside the BSP. A row with ``WIN_RESULT`` -1 or blank, or no ``WIN_BSP``, is a
  non-runner and dropped (SOURCE.md). Markets that were never settled (no result, no market name,
  no start time) have no runner left: they are skipped and counted, not rejected.

Neither format has a finishing order: the winner(s) get position 1 (two winners = a dead heat),
the others none. The UK files have no saddle number: 1..n is assigned by ascending selection id
(no result information), flagged ``saddle_assigned``.

Times, checked on the data (both SOURCE.md files say otherwise):

- ANZ ``SCHEDULED_RACE_TIME`` is the clock time in Sydney/Melbourne (AEDT/AEST), *not* the
  track's: read as local time, Perth meetings would end after dark (Ascot WA, 22 March 2025, last
  race "20:28", sunset ~18:25 AWST) and New Zealand ones start at 9–10 am; read as Sydney time
  they run ~13:30–17:30 AWST and ~12:30–17:00 NZDT; and WA and QLD cards, whose own clocks do not
  change, show about an hour earlier once Sydney leaves daylight saving (6 April 2025).
- UK/IE ``RACETIME`` is Australian Eastern *Standard* time all year (UTC+10, Australia/Brisbane):
  races that straddle Sydney's DST change (Huntingdon, 4 April 2026: "02:25" then "03:00" on the
  5th) stay 30–35 minutes apart only at a fixed UTC+10, and the all-weather evening cards end at
  "06:30" in Jan–Mar and "05:30" after the UK clocks change, i.e. 20:30 UK time all along.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from courses.models import Discipline, RaceStatus, RunnerStatus, Source

from .payloads import HorseRef, RacePayload, Rejected, RejectRace, RunnerPayload
from .rows import (
    Row,
    RowError,
    ascii_lower,
    build_or_reject,
    id_order,
    open_csv,
    read_rows,
    rejected_at,
    same_race_columns,
    to_date,
    to_decimal,
    to_int,
)

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

# Race-level columns: every row of a market must agree on them.
ANZ_RACE_COLUMNS = ("LOCAL_MEETING_DATE", "SCHEDULED_RACE_TIME", "TRACK", "STATE_CODE", "RACE_NO", "DISTANCE")
UK_RACE_COLUMNS = ("LOCAL_RACE_DATE", "RACETIME", "COUNTRY_ID", "TRACK", "RACE_NUMBER", "WIN_MARKET_NAME")

ANZ_CLOCK = ZoneInfo("Australia/Sydney")
UK_RACETIME_CLOCK = ZoneInfo("Australia/Brisbane")  # UTC+10 all year, see the module docstring
UK_CLOCK = ZoneInfo("Europe/London")  # only to store a readable offset; the instant is the same

STATES = {
    "NSW": "AUS",
    "VIC": "AUS",
    "QLD": "AUS",
    "WA": "AUS",
    "SA": "AUS",
    "TAS": "AUS",
    "NT": "AUS",
    "ACT": "AUS",
    "NZ": "NZL",
}
UK_COUNTRIES = {1: "GBR", 35: "IRL"}

ANZ_WINNER, ANZ_LOSER = "WINNER", "LOSER"
ANZ_RESULTS = {ANZ_WINNER: True, ANZ_LOSER: False}
UK_WON, UK_LOST, UK_REMOVED = 1, 0, -1

# Market-name codes for obstacle races. ANZ: RACE_TYPE Hrd / Stpl; UK/IE: Hrd, Chs, XC (cross-country).
OBSTACLES = (
    ("XC", Discipline.CROSS),
    ("Chs", Discipline.STEEPLE),
    ("Stpl", Discipline.STEEPLE),
    ("Hrd", Discipline.HAIES),
)
METRES = {"m": Decimal("1609.344"), "f": Decimal("201.168"), "y": Decimal("0.9144")}
UK_DISTANCE = re.compile(r"^(?:(\d+)m)?(?:(\d+)f)?(?:(\d+)y)?$")
ANZ_NAME_DISTANCE = re.compile(r"^R\d+\s+(\d{3,5})m?(?:\s|$)")
UK_CLASS = re.compile(r"\(Class ([A-Z0-9]+)\)")
NUMBERED_NAME = re.compile(r"^\d+\.\s*")
WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")
# The exchange trades prices from 1.01 to 1000; anything above is a broken cell (and would not
# fit the odds columns, which the database refuses with an error rather than a rejected race).
MAX_PRICE = Decimal(1000)


# -- files -------------------------------------------------------------------------------------


@dataclass
class BetfairFile:
    path: Path
    kind: str
    markets: int


@dataclass
class Dropped:
    """What a source's files held that is not a race to write (reported after its summary)."""

    non_runners: int = 0
    unsettled_markets: int = 0
    unsettled_rows: int = 0
    duplicate_rows: int = 0

    def summary(self, source: str) -> str:
        return (
            f"{source}: non-runners dropped={self.non_runners}; unsettled markets skipped={self.unsettled_markets} "
            f"({self.unsettled_rows} rows); duplicate runner rows merged={self.duplicate_rows}"
        )


@dataclass
class Scan:
    files: list[BetfairFile] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [kind for kind in (ANZ, UK) if any(f.kind == kind for f in self.files)]

    def total(self, kind: str) -> int:
        return sum(f.markets for f in self.files if f.kind == kind)

    def items(self, kind: str, dropped: Dropped) -> Iterator[RacePayload | Rejected]:
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
    build = _anz_race if kind == ANZ else _uk_race
    return build(market_id, rows, where, dropped)


# -- ANZ ---------------------------------------------------------------------------------------


def _anz_race(market_id: str, rows: list[Row], where: str, dropped: Dropped) -> RacePayload | None:
    same_race_columns(rows, ANZ_RACE_COLUMNS)
    first = rows[0]
    track, state = first.get("TRACK"), first.get("STATE_CODE")
    if not track:
        raise RejectRace("TRACK is missing")
    if state not in STATES:
        raise RejectRace(f"STATE_CODE={state!r} is not one of {', '.join(STATES)}")
    country = STATES[state]
    date = parse_date(first.get("LOCAL_MEETING_DATE"), "LOCAL_MEETING_DATE")
    clock = parse_time(first.get("SCHEDULED_RACE_TIME"), "SCHEDULED_RACE_TIME")
    market_name, race_type = first.get("WIN_MARKET_NAME"), first.get("RACE_TYPE")
    kept = _one_row_per_selection(rows)
    ran = [row for row in kept if not _anz_non_runner(row)]
    if not ran:
        dropped.unsettled_markets += 1
        dropped.unsettled_rows += len(rows)
        return None
    payload = RacePayload(
        source=Source.BETFAIR_ANZ,
        source_id=market_id,
        location=where,
        date=date,
        racecourse_code=racecourse_code(country, track),
        racecourse_name=track,
        country=country,
        number=to_int(first.get("RACE_NO"), "RACE_NO", blank_ok=False, minimum=1),
        meeting_number=None,
        discipline=_discipline(f"{race_type} {market_name}"),
        distance=_anz_distance(first.get("DISTANCE"), market_name),
        race_class=(race_type or _market_type(market_name))[:40],
        start_time=dt.datetime.combine(date, clock, tzinfo=ANZ_CLOCK) if clock else None,
        status=RaceStatus.FINISHED,
        # The place market the kept rows settled in, not a void twin listed beside it.
        extra={"market_name": market_name, "place_market_id": _id(kept[0].get("PLACE_MARKET_ID")), "state": state},
        runners=[_anz_runner(row) for row in ran],
    )
    dropped.duplicate_rows += len(rows) - len(kept)
    dropped.non_runners += len(kept) - len(ran)
    return payload


def _one_row_per_selection(rows: list[Row]) -> list[Row]:
    """One row per runner, in file order: where a runner is listed once per place market, the settled one."""
    by_selection: dict[str, list[Row]] = {}
    for row in rows:
        by_selection.setdefault(row.get("SELECTION_ID"), []).append(row)
    kept = []
    for selection, copies in by_selection.items():
        win_side = {(r.get("TAB_NUMBER"), r.get("WIN_RESULT"), r.get("WIN_BSP")) for r in copies}
        if len(win_side) > 1:
            raise RowError(copies[1].line, f"SELECTION_ID {selection} is listed twice with different win results")
        settled = [r for r in copies if r.get("PLACE_RESULT")]
        if len({(r.get("PLACE_RESULT"), r.get("PLACE_BSP")) for r in settled}) > 1:
            raise RowError(settled[1].line, f"SELECTION_ID {selection} has two settled place results")
        kept.append(settled[0] if settled else copies[0])
    return sorted(kept, key=lambda r: r.line)


def _anz_non_runner(row: Row) -> bool:
    """No ANZ row is one in these files (scratched horses are left out); a blank or REMOVED result would be."""
    result = row.get("WIN_RESULT").upper()
    if result in ANZ_RESULTS:
        return False
    if result in ("", "REMOVED"):
        return True
    raise RowError(row.line, f"WIN_RESULT={row.get('WIN_RESULT')!r} is not WINNER or LOSER")


def _anz_runner(row: Row) -> RunnerPayload:
    with rejected_at(row.line):
        saddle = to_int(row.get("TAB_NUMBER"), "TAB_NUMBER", blank_ok=False, minimum=1)
        best_back = _price(row, "BEST_AVAIL_BACK_AT_SCHEDULED_OFF")
        return RunnerPayload(
            saddle_number=saddle,
            horse=_horse(row.get("SELECTION_ID"), row.get("SELECTION_NAME")),
            final_odds=_price(row, "WIN_BSP"),
            final_place_odds=_price(row, "PLACE_BSP"),
            status=RunnerStatus.RUNNER,
            position=1 if ANZ_RESULTS[row.get("WIN_RESULT").upper()] else None,
            placed=_anz_placed(row.get("PLACE_RESULT")),
            # The best back price at the scheduled off is a pre-race market price; the other
            # traded-price and volume columns include in-play trading and go nowhere.
            extra={"best_back_at_scheduled_off": float(best_back)} if best_back is not None else {},
        )


def _anz_placed(value: str) -> bool | None:
    value = value.upper()
    if not value:
        return None
    if value not in ANZ_RESULTS:
        raise RejectRace(f"PLACE_RESULT={value!r} is not WINNER or LOSER")
    return ANZ_RESULTS[value]


def _anz_distance(value: str, market_name: str) -> int:
    distance = to_int(value, "DISTANCE")
    if distance is None:
        # One market has no DISTANCE but says it in its name: "R2 1400 Hcap".
        match = ANZ_NAME_DISTANCE.match(market_name)
        if not match:
            raise RejectRace("DISTANCE is missing")
        distance = int(match.group(1))
    return distance


# -- UK / IE -----------------------------------------------------------------------------------


def _uk_race(market_id: str, rows: list[Row], where: str, dropped: Dropped) -> RacePayload | None:
    ran = []
    for row in rows:
        result = _uk_result(row)
        if result in (UK_WON, UK_LOST) and row.get("WIN_BSP"):
            ran.append(row)
    if not ran:
        # Never settled (or every runner withdrawn): nothing ran that the file can tell us about.
        dropped.unsettled_markets += 1
        dropped.unsettled_rows += len(rows)
        return None
    same_race_columns(ran, UK_RACE_COLUMNS)
    first = ran[0]
    track = first.get("TRACK")
    if not track:
        raise RejectRace("TRACK is missing")
    country_id = to_int(first.get("COUNTRY_ID"), "COUNTRY_ID", blank_ok=False)
    if country_id not in UK_COUNTRIES:
        raise RejectRace(f"COUNTRY_ID={first.get('COUNTRY_ID')!r} is not 1 (GB) or 35 (IE)")
    country = UK_COUNTRIES[country_id]
    market_name, race_name = first.get("WIN_MARKET_NAME"), first.get("RACE_NAME")
    if not market_name:
        raise RejectRace("WIN_MARKET_NAME is missing")
    distance_code, _, race_type = market_name.partition(" ")
    class_match = UK_CLASS.search(race_name)
    distinct = _distinct_selections(ran)
    payload = RacePayload(
        source=Source.BETFAIR_UK_IE,
        source_id=market_id,
        location=where,
        date=parse_date(first.get("LOCAL_RACE_DATE"), "LOCAL_RACE_DATE"),
        racecourse_code=racecourse_code(country, track),
        racecourse_name=track,
        country=country,
        number=to_int(first.get("RACE_NUMBER"), "RACE_NUMBER", blank_ok=False, minimum=1),
        meeting_number=None,
        name=race_name[:200],
        discipline=_discipline(race_type),
        distance=uk_distance(distance_code),
        race_class=race_type[:40],
        start_time=uk_start_time(first.get("RACETIME")),
        status=RaceStatus.FINISHED,
        extra={
            "market_name": market_name,
            "place_market_id": _id(first.get("PLACE_MARKET_ID")),
            "event_id": _id(first.get("EVENT_ID")),
            "class": class_match.group(1) if class_match else "",
        },
        runners=_uk_runners(distinct),
    )
    dropped.non_runners += len(rows) - len(ran)
    dropped.duplicate_rows += len(ran) - len(distinct)
    return payload


def _uk_result(row: Row) -> int | None:
    value = row.get("WIN_RESULT")
    try:
        result = to_int(value, "WIN_RESULT")
    except RejectRace:
        raise RowError(row.line, f"WIN_RESULT={value!r} is not 1.0, 0.0, -1.0 or blank") from None
    if result not in (None, UK_WON, UK_LOST, UK_REMOVED):
        raise RowError(row.line, f"WIN_RESULT={value!r} is not 1.0, 0.0, -1.0 or blank")
    return result


def _distinct_selections(rows: list[Row]) -> list[Row]:
    """One row per selection: an identical repeat is merged, a conflicting one rejects the race."""
    by_selection: dict[str, Row] = {}
    for row in rows:
        selection = row.get("SELECTION_ID")
        if not selection:
            raise RowError(row.line, "SELECTION_ID is missing")
        known = by_selection.setdefault(selection, row)
        if known.values != row.values:
            raise RowError(row.line, f"SELECTION_ID {selection} is listed twice (also line {known.line})")
    return list(by_selection.values())


def _uk_runners(rows: list[Row]) -> list[RunnerPayload]:
    # No saddle number in these files: 1..n by selection id, which knows nothing of the result.
    ordered = sorted(rows, key=lambda row: id_order(_id(row.get("SELECTION_ID"))))
    runners = []
    for saddle, row in enumerate(ordered, start=1):
        with rejected_at(row.line):
            runners.append(
                RunnerPayload(
                    saddle_number=saddle,
                    horse=_horse(row.get("SELECTION_ID"), row.get("RUNNER_NAME")),
                    final_odds=_price(row, "WIN_BSP"),
                    final_place_odds=_price(row, "PLACE_BSP"),
                    rated_price=_price(row, "RATED_PRICE"),
                    status=RunnerStatus.RUNNER,
                    position=1 if _uk_result(row) == UK_WON else None,
                    placed=_uk_placed(row.get("PLACE_RESULT")),
                    extra={"saddle_assigned": True},
                )
            )
    return runners


def _uk_placed(value: str) -> bool | None:
    placed = to_int(value, "PLACE_RESULT")
    if placed not in (None, UK_WON, UK_LOST, UK_REMOVED):
        raise RejectRace(f"PLACE_RESULT={value!r} is not 1.0, 0.0, -1.0 or blank")
    return {UK_WON: True, UK_LOST: False}.get(placed)


def uk_distance(code: str) -> int:
    """Metres for a UK distance code: "5f", "2m4f", "1m2f110y" (miles, furlongs, yards)."""
    match = UK_DISTANCE.match(code)
    if not code or not match or not any(match.groups()):
        raise RejectRace(f"WIN_MARKET_NAME distance {code!r} is not like 2m4f, 5f or 1m2f110y")
    metres = sum(Decimal(int(n)) * METRES[unit] for n, unit in zip(match.groups(), "mfy", strict=False) if n)
    return int(metres.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def uk_start_time(value: str) -> dt.datetime | None:
    """RACETIME (Australian Eastern Standard Time) as an aware datetime on the UK clock."""
    if not value:
        return None
    date_text, _, time_text = value.partition(" ")
    date = parse_date(date_text, "RACETIME")
    clock = parse_time(time_text, "RACETIME")
    if clock is None:
        raise RejectRace(f"RACETIME={value!r} has no time")
    return dt.datetime.combine(date, clock, tzinfo=UK_RACETIME_CLOCK).astimezone(UK_CLOCK)


# -- shared ------------------------------------------------------------------------------------


def parse_date(value: str, name: str) -> dt.date:
    """ISO ``2025-01-31`` or the 2025_04 file's ``1/04/2025`` (day first)."""
    return to_date(value, name, day_first=True)


def parse_time(value: str, name: str) -> dt.time | None:
    """24-hour ``18:37:00`` or the 2025_04 file's 12-hour ``1:18:00 PM``; blank is None."""
    if not value:
        return None
    for pattern in ("%H:%M:%S", "%I:%M:%S %p", "%H:%M", "%I:%M %p"):
        try:
            return dt.datetime.strptime(value.upper(), pattern).time()
        except ValueError:
            continue
    raise RejectRace(f"{name}={value!r} is not a time like 18:37:00 or 6:37:00 PM")


def _price(row: Row, name: str) -> Decimal | None:
    price = to_decimal(row.get(name), name)
    if price is not None and price > MAX_PRICE:
        raise RejectRace(f"{name}={row.get(name)!r} is above the exchange's highest price, {MAX_PRICE}")
    return price


def _discipline(race_type: str) -> str:
    words = race_type.split()
    for code, discipline in OBSTACLES:
        if code in words:
            return discipline
    return Discipline.PLAT


def _market_type(market_name: str) -> str:
    """ "R2 1400 Hcap" -> "Hcap": the ANZ market name after the race number and distance."""
    words = market_name.split()
    return " ".join(words[2:]) if len(words) > 2 else ""


def _horse(selection_id: str, name: str) -> HorseRef:
    if not selection_id:
        raise RejectRace("SELECTION_ID is missing")
    name = NUMBERED_NAME.sub("", name).strip()
    if not name:
        raise RejectRace(f"selection {selection_id} has no name")
    return HorseRef(source_id=_id(selection_id)[:120], name=name[:120])


def _id(value: str) -> str:
    """Betfair ids, written "237704737.0" in some files and "237704737" in others."""
    match = WHOLE_FLOAT.match(value)
    return match.group(1) if match else value


def racecourse_code(country: str, track: str) -> str:
    """ "BF-GBR-ascot": the country keeps Ascot (Berkshire) and Ascot (Perth) apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_lower(track)).strip("-")
    return f"BF-{country}-{slug}"[:40]
