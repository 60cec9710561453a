"""One HKJC race from its ``races.csv`` row: the race and its win and place dividends."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from courses.models import BetType, Discipline, RaceStatus, Source

from ..payloads import DividendPayload, RacePayload, RejectRace
from ..rows import Row, to_date, to_decimal, to_int

VENUES = {"ST": ("HK-ST", "Sha Tin"), "HV": ("HK-HV", "Happy Valley")}
COUNTRY = "HKG"
CURRENCY = "HKD"
SURFACES = {0: "turf", 1: "dirt"}
# Dividends are published per HK$10 staked; the model stores them per HK$1.
DIVIDEND_UNIT = Decimal(10)


def race_payload(race_id: str, row: Row, *, location: str) -> RacePayload:
    """The race of a ``races.csv`` row with its dividends, runners to come."""
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


def paid_saddles(dividends: list[DividendPayload]) -> tuple[set[int], set[int]]:
    """The saddle numbers paid a place, and those paid the win."""
    places = {int(d.combination) for d in dividends if d.bet_type == BetType.SIMPLE_PLACE}
    winners = {int(d.combination) for d in dividends if d.bet_type == BetType.SIMPLE_GAGNANT}
    return places, winners
