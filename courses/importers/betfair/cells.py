"""What the ANZ and UK/IE builders share: the tally of rows that are not runners, and the cells
both formats write the same way (dates, times, prices, ids, names, race types, tracks)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from courses.models import Discipline

from ..payloads import HorseRef, RejectRace
from ..rows import Row, ascii_lower, to_date, to_decimal

# Market-name codes for obstacle races. ANZ: RACE_TYPE Hrd / Stpl; UK/IE: Hrd, Chs, XC (cross-country).
OBSTACLES = (
    ("XC", Discipline.CROSS),
    ("Chs", Discipline.STEEPLE),
    ("Stpl", Discipline.STEEPLE),
    ("Hrd", Discipline.HAIES),
)
NUMBERED_NAME = re.compile(r"^\d+\.\s*")
WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")
# The exchange trades prices from 1.01 to 1000; anything above is a broken cell (and would not
# fit the odds columns, which the database refuses with an error rather than a rejected race).
MAX_PRICE = Decimal(1000)


@dataclass
class Dropped:
    """What a source's files held that is not a race to write (reported after its summary)."""

    non_runners: int = 0
    unsettled_markets: int = 0
    unsettled_rows: int = 0
    duplicate_rows: int = 0
    republished_ratings: int = 0  # UK/IE rows whose rating a later row of the same runner replaced

    def summary(self, source: str) -> str:
        """The line the command prints after the import's own summary."""
        return (
            f"{source}: non-runners dropped={self.non_runners}; unsettled markets skipped={self.unsettled_markets} "
            f"({self.unsettled_rows} rows); duplicate runner rows merged={self.duplicate_rows}; "
            f"republished ratings merged={self.republished_ratings}"
        )


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


def price(row: Row, name: str) -> Decimal | None:
    """A price (decimal odds) from a row's column; blank is None."""
    number = to_decimal(row.get(name), name)
    if number is not None and number > MAX_PRICE:
        raise RejectRace(f"{name}={row.get(name)!r} is above the exchange's highest price, {MAX_PRICE}")
    return number


def discipline(race_type: str) -> str:
    """The discipline a race type or market name says: an obstacle code among its words, else flat."""
    words = race_type.split()
    for code, obstacle in OBSTACLES:
        if code in words:
            return obstacle
    return Discipline.PLAT


def horse(selection_id: str, name: str) -> HorseRef:
    """The runner's horse: its selection id, and its name without the "3. " some files put before it."""
    if not selection_id:
        raise RejectRace("SELECTION_ID is missing")
    name = NUMBERED_NAME.sub("", name).strip()
    if not name:
        raise RejectRace(f"selection {selection_id} has no name")
    return HorseRef(source_id=betfair_id(selection_id)[:120], name=name[:120])


def betfair_id(value: str) -> str:
    """Betfair ids, written "237704737.0" in some files and "237704737" in others."""
    match = WHOLE_FLOAT.match(value)
    return match.group(1) if match else value


def racecourse_code(country: str, track: str) -> str:
    """ "BF-GBR-ascot": the country keeps Ascot (Berkshire) and Ascot (Perth) apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_lower(track)).strip("-")
    return f"BF-{country}-{slug}"[:40]
