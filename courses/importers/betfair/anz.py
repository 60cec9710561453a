"""One ANZ market (``ANZ_Thoroughbreds_YYYY_MM.csv``, 40 columns, ``TAB_NUMBER``) as a race.

Every runner that took part in an Australian or New Zealand win market, with its BSP and win/place
result. Scratched horses are simply absent (the saddle numbers have gaps), so no row is dropped as
a non-runner; a runner whose market had no BSP (two New Zealand races) is kept with no final odds.
A few markets list each runner once per place market (a void one with no result and the settled
one): the runner is kept once, from the settled place market.

``SCHEDULED_RACE_TIME`` is the clock time in Sydney/Melbourne (AEDT/AEST), *not* the track's, as
checked on the data (SOURCE.md says otherwise): read as local time, Perth meetings would end after
dark (Ascot WA, 22 March 2025, last race "20:28", sunset ~18:25 AWST) and New Zealand ones start
at 9–10 am; read as Sydney time they run ~13:30–17:30 AWST and ~12:30–17:00 NZDT; and WA and QLD
cards, whose own clocks do not change, show about an hour earlier once Sydney leaves daylight
saving (6 April 2025).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from courses.models import RaceStatus, RunnerStatus, Source

from ..payloads import RacePayload, RejectRace, RunnerPayload
from ..rows import Row, RowError, rejected_at, same_race_columns, to_int
from .cells import Dropped, betfair_id, discipline, horse, parse_date, parse_time, price, racecourse_code

# Race-level columns: every row of a market must agree on them.
ANZ_RACE_COLUMNS = ("LOCAL_MEETING_DATE", "SCHEDULED_RACE_TIME", "TRACK", "STATE_CODE", "RACE_NO", "DISTANCE")
ANZ_CLOCK = ZoneInfo("Australia/Sydney")
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
ANZ_WINNER, ANZ_LOSER = "WINNER", "LOSER"
ANZ_RESULTS = {ANZ_WINNER: True, ANZ_LOSER: False}
ANZ_NAME_DISTANCE = re.compile(r"^R\d+\s+(\d{3,5})m?(?:\s|$)")


def anz_race(market_id: str, rows: list[Row], where: str, dropped: Dropped) -> RacePayload | None:
    """The race of one ANZ win market, or None when no runner is left (counted in ``dropped``)."""
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
    ran = [row for row in kept if not _non_runner(row)]
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
        discipline=discipline(f"{race_type} {market_name}"),
        distance=_distance(first.get("DISTANCE"), market_name),
        race_class=(race_type or _market_type(market_name))[:40],
        start_time=dt.datetime.combine(date, clock, tzinfo=ANZ_CLOCK) if clock else None,
        status=RaceStatus.FINISHED,
        # The place market the kept rows settled in, not a void twin listed beside it.
        extra={
            "market_name": market_name,
            "place_market_id": betfair_id(kept[0].get("PLACE_MARKET_ID")),
            "state": state,
        },
        runners=[_runner(row) for row in ran],
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


def _non_runner(row: Row) -> bool:
    """No ANZ row is one in these files (scratched horses are left out); a blank or REMOVED result would be."""
    result = row.get("WIN_RESULT").upper()
    if result in ANZ_RESULTS:
        return False
    if result in ("", "REMOVED"):
        return True
    raise RowError(row.line, f"WIN_RESULT={row.get('WIN_RESULT')!r} is not WINNER or LOSER")


def _runner(row: Row) -> RunnerPayload:
    with rejected_at(row.line):
        saddle = to_int(row.get("TAB_NUMBER"), "TAB_NUMBER", blank_ok=False, minimum=1)
        best_back = price(row, "BEST_AVAIL_BACK_AT_SCHEDULED_OFF")
        return RunnerPayload(
            saddle_number=saddle,
            horse=horse(row.get("SELECTION_ID"), row.get("SELECTION_NAME")),
            final_odds=price(row, "WIN_BSP"),
            final_place_odds=price(row, "PLACE_BSP"),
            status=RunnerStatus.RUNNER,
            position=1 if ANZ_RESULTS[row.get("WIN_RESULT").upper()] else None,
            placed=_placed(row.get("PLACE_RESULT")),
            # The best back price at the scheduled off is a pre-race market price; the other
            # traded-price and volume columns include in-play trading and go nowhere.
            extra={"best_back_at_scheduled_off": float(best_back)} if best_back is not None else {},
        )


def _placed(value: str) -> bool | None:
    value = value.upper()
    if not value:
        return None
    if value not in ANZ_RESULTS:
        raise RejectRace(f"PLACE_RESULT={value!r} is not WINNER or LOSER")
    return ANZ_RESULTS[value]


def _distance(value: str, market_name: str) -> int:
    distance = to_int(value, "DISTANCE")
    if distance is None:
        # One market has no DISTANCE but says it in its name: "R2 1400 Hcap".
        match = ANZ_NAME_DISTANCE.match(market_name)
        if not match:
            raise RejectRace("DISTANCE is missing")
        distance = int(match.group(1))
    return distance


def _market_type(market_name: str) -> str:
    """ "R2 1400 Hcap" -> "Hcap": the ANZ market name after the race number and distance."""
    words = market_name.split()
    return " ".join(words[2:]) if len(words) > 2 else ""
