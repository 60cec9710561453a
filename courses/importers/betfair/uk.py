"""One UK/IE market (``UK_IE_Thoroughbred_Racing_Model_YYYY-MM.csv``, 17 columns, ``RATED_PRICE``) as a race.

Betfair's model price beside the BSP. A row with ``WIN_RESULT`` -1 or blank, or no ``WIN_BSP``, is
a non-runner and dropped (SOURCE.md). Markets that were never settled (no result, no market name,
no start time) have no runner left: they are skipped and counted, not rejected. The files have no
saddle number: 1..n is assigned by ascending selection id (no result information), flagged
``saddle_assigned``. Betfair sometimes republishes a rating: the runner is then listed again with
only ``RATED_PRICE`` changed, and the later row is the one kept.

``RACETIME`` is Australian Eastern *Standard* time all year (UTC+10, Australia/Brisbane), as
checked on the data (SOURCE.md says otherwise): races that straddle Sydney's DST change
(Huntingdon, 4 April 2026: "02:25" then "03:00" on the 5th) stay 30–35 minutes apart only at a
fixed UTC+10, and the all-weather evening cards end at "06:30" in Jan–Mar and "05:30" after the UK
clocks change, i.e. 20:30 UK time all along.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from courses.models import RaceStatus, RunnerStatus, Source

from ..payloads import RacePayload, RejectRace, RunnerPayload
from ..rows import Row, RowError, id_order, rejected_at, same_race_columns, to_int
from .cells import Dropped, betfair_id, discipline, horse, parse_date, parse_time, price, racecourse_code

# Race-level columns: every row of a market must agree on them.
UK_RACE_COLUMNS = ("LOCAL_RACE_DATE", "RACETIME", "COUNTRY_ID", "TRACK", "RACE_NUMBER", "WIN_MARKET_NAME")
UK_RACETIME_CLOCK = ZoneInfo("Australia/Brisbane")  # UTC+10 all year, see the module docstring
UK_CLOCK = ZoneInfo("Europe/London")  # only to store a readable offset; the instant is the same
UK_COUNTRIES = {1: "GBR", 35: "IRL"}
UK_WON, UK_LOST, UK_REMOVED = 1, 0, -1
METRES = {"m": Decimal("1609.344"), "f": Decimal("201.168"), "y": Decimal("0.9144")}
UK_DISTANCE = re.compile(r"^(?:(\d+)m)?(?:(\d+)f)?(?:(\d+)y)?$")
UK_CLASS = re.compile(r"\(Class ([A-Z0-9]+)\)")
# The one column a runner's later row may change: Betfair's model republished its price.
REPUBLISHED = "RATED_PRICE"


def uk_race(market_id: str, rows: list[Row], where: str, dropped: Dropped) -> RacePayload | None:
    """The race of one UK/IE win market, or None when it was never settled (counted in ``dropped``)."""
    ran = []
    for row in rows:
        result = _result(row)
        if result in (UK_WON, UK_LOST) and row.get("WIN_BSP"):
            ran.append(row)
    if not ran:
        # Never settled (or every runner withdrawn): nothing ran that the file can tell us about.
        dropped.unsettled_markets += 1
        dropped.unsettled_rows += len(rows)
        return None
    # Repeats first: a runner listed twice is reported as such, whichever column its rows disagree on.
    distinct, republished = _distinct_selections(ran)
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
        discipline=discipline(race_type),
        distance=uk_distance(distance_code),
        race_class=race_type[:40],
        start_time=uk_start_time(first.get("RACETIME")),
        status=RaceStatus.FINISHED,
        extra={
            "market_name": market_name,
            "place_market_id": betfair_id(first.get("PLACE_MARKET_ID")),
            "event_id": betfair_id(first.get("EVENT_ID")),
            "class": class_match.group(1) if class_match else "",
        },
        runners=_runners(distinct),
    )
    dropped.non_runners += len(rows) - len(ran)
    dropped.duplicate_rows += len(ran) - len(distinct) - republished
    dropped.republished_ratings += republished
    return payload


def _result(row: Row) -> int | None:
    value = row.get("WIN_RESULT")
    try:
        result = to_int(value, "WIN_RESULT")
    except RejectRace:
        raise RowError(row.line, f"WIN_RESULT={value!r} is not 1.0, 0.0, -1.0 or blank") from None
    if result not in (None, UK_WON, UK_LOST, UK_REMOVED):
        raise RowError(row.line, f"WIN_RESULT={value!r} is not 1.0, 0.0, -1.0 or blank")
    return result


def _distinct_selections(rows: list[Row]) -> tuple[list[Row], int]:
    """One row per selection, its last, and how many earlier rows that row replaced a rating of.

    An earlier row identical to the last is a plain repeat; one that differs in ``RATED_PRICE`` alone
    carries a rating since republished; one that differs in anything else rejects the race.
    """
    listed: dict[str, list[Row]] = {}
    for row in rows:
        selection = row.get("SELECTION_ID")
        if not selection:
            raise RowError(row.line, "SELECTION_ID is missing")
        listed.setdefault(selection, []).append(row)
    republished = 0
    for selection, copies in listed.items():
        last = copies[-1]
        for earlier in copies[:-1]:
            differing = earlier.differing(last)
            conflicting = [name for name in differing if name != REPUBLISHED]
            if conflicting:
                reason = f"SELECTION_ID {selection} is listed twice with different {', '.join(conflicting)}"
                raise RowError(last.line, f"{reason} (also line {earlier.line})")
            republished += bool(differing)
    return [copies[-1] for copies in listed.values()], republished


def _runners(rows: list[Row]) -> list[RunnerPayload]:
    # No saddle number in these files: 1..n by selection id, which knows nothing of the result.
    ordered = sorted(rows, key=lambda row: id_order(betfair_id(row.get("SELECTION_ID"))))
    runners = []
    for saddle, row in enumerate(ordered, start=1):
        with rejected_at(row.line):
            runners.append(
                RunnerPayload(
                    saddle_number=saddle,
                    horse=horse(row.get("SELECTION_ID"), row.get("RUNNER_NAME")),
                    final_odds=price(row, "WIN_BSP"),
                    final_place_odds=price(row, "PLACE_BSP"),
                    rated_price=price(row, "RATED_PRICE"),
                    status=RunnerStatus.RUNNER,
                    position=1 if _result(row) == UK_WON else None,
                    placed=_placed(row.get("PLACE_RESULT")),
                    extra={"saddle_assigned": True},
                )
            )
    return runners


def _placed(value: str) -> bool | None:
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
