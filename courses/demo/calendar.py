"""The demo calendar: réunions, races and their conditions, drawn independently of the horses."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from courses.models import Discipline

from .names import race_name
from .params import PARIS, PLAT, TROT, day_rng


@dataclass(frozen=True)
class Hippodrome:
    code: str
    name: str
    family: int
    months: frozenset[int]
    distances: tuple[tuple[int, bool], ...]  # (metres, autostart) for trot; autostart is False for plat
    winter_all_weather: bool = False


def _months(*months: int) -> frozenset[int]:
    return frozenset(months)


ALL_YEAR = _months(*range(1, 13))
HIPPODROMES = (
    Hippodrome(
        "VIN",
        "Vincennes",
        TROT,
        _months(1, 2, 3, 4, 5, 6, 9, 10, 11, 12),
        ((2100, True), (2700, False), (2850, False), (2175, False)),
    ),
    Hippodrome("ENG", "Enghien", TROT, ALL_YEAR, ((2150, True), (2875, False))),
    Hippodrome("CAE", "Caen", TROT, ALL_YEAR, ((2200, True), (2450, False))),
    Hippodrome("CAB", "Cabourg", TROT, _months(6, 7, 8, 9), ((2750, False), (2250, True))),
    Hippodrome("LAV", "Laval", TROT, _months(3, 4, 5, 6, 7, 8, 9, 10), ((2850, False), (2200, True))),
    Hippodrome(
        "LON",
        "ParisLongchamp",
        PLAT,
        _months(4, 5, 6, 7, 9, 10),
        ((1400, False), (1600, False), (2000, False), (2400, False), (3000, False)),
    ),
    Hippodrome(
        "CHA",
        "Chantilly",
        PLAT,
        ALL_YEAR,
        ((1200, False), (1600, False), (1900, False), (2400, False)),
        winter_all_weather=True,
    ),
    Hippodrome(
        "DEA",
        "Deauville",
        PLAT,
        _months(1, 2, 3, 7, 8, 12),
        ((1200, False), (1500, False), (1900, False), (2500, False)),
        winter_all_weather=True,
    ),
    Hippodrome(
        "STC",
        "Saint-Cloud",
        PLAT,
        _months(3, 4, 5, 6, 7, 9, 10, 11),
        ((1400, False), (1600, False), (2100, False), (2400, False)),
    ),
    Hippodrome(
        "CAG",
        "Cagnes-sur-Mer",
        PLAT,
        _months(1, 2, 3, 12),
        ((1200, False), (1600, False), (2000, False), (2400, False)),
        winter_all_weather=True,
    ),
)

# (label, softness 0..1): softness meets each horse's liking for soft ground.
GOINGS_TROT = (("Bon", 0.1), ("Léger", 0.0), ("Souple", 0.5), ("Collant", 0.8))
GOINGS_TURF = (
    ("Bon", 0.2),
    ("Bon léger", 0.0),
    ("Bon souple", 0.35),
    ("Souple", 0.55),
    ("Très souple", 0.8),
    ("Lourd", 1.0),
)


@dataclass(frozen=True)
class RacePlan:
    date: dt.date
    hippodrome: Hippodrome
    number: int
    discipline: str
    distance: int
    autostart: bool
    handicap: bool
    ages: tuple[int, int]
    quantile: float  # where the field sits in the eligible horses' ability
    size: int
    name: str
    race_class: str
    prize: int
    start_time: dt.datetime
    is_quinte: bool
    going: str
    softness: float
    surface: str
    source_id: str  # "20260124-VIN-C3": stable across runs, so the writer updates rather than duplicates


def _in_season(family: int, month: int) -> list[Hippodrome]:
    return [h for h in HIPPODROMES if h.family == family and month in h.months]


def plan_day(seed: int, day: dt.date) -> list[RacePlan]:
    """The day's réunions and races, in programme order (R1 carries the quinté+)."""
    rng = day_rng(seed, day, 0)
    winter = day.month in (11, 12, 1, 2, 3)
    quinte_family = TROT if rng.random() < (0.85 if winter else 0.4) else PLAT
    reunions = 2 + (day.weekday() == 6) + (rng.random() < 0.1)  # more on Sundays and some other days
    families = [quinte_family, 1 - quinte_family] + [int(rng.integers(2)) for _ in range(reunions - 2)]
    used: set[str] = set()
    plans: list[RacePlan] = []
    for index, family in enumerate(families):
        options = [h for h in _in_season(family, day.month) if h.code not in used]
        if not options:
            options = [h for h in _in_season(1 - family, day.month) if h.code not in used]
        hippodrome = options[int(rng.integers(len(options)))]
        used.add(hippodrome.code)
        if index == 0:
            count, quinte, first = 3, int(rng.integers(1, 4)), None
        else:
            count, quinte = 2, 0
            first = (13 * 60 + 25 if index == 1 else 16 * 60 + 30) + 5 * int(rng.integers(0, 7))
        plans += _plan_reunion(rng, day, hippodrome, count, quinte, first)
    return plans


def _plan_reunion(rng, day, hippodrome: Hippodrome, count: int, quinte: int, first: int | None) -> list[RacePlan]:
    all_weather = hippodrome.winter_all_weather and day.month in (11, 12, 1, 2, 3)
    if hippodrome.family == TROT:
        going, softness = GOINGS_TROT[int(rng.integers(len(GOINGS_TROT)))]
    elif all_weather:
        going, softness = "Standard", 0.0
    else:
        soft_bias = 2 if day.month in (10, 11, 3, 4) else 0
        going, softness = GOINGS_TURF[
            min(len(GOINGS_TURF) - 1, int(rng.integers(4)) + int(rng.integers(soft_bias + 1)))
        ]
    surface = "sand" if hippodrome.family == TROT else ("all-weather" if all_weather else "turf")
    plans = []
    for number in range(1, count + 1):
        is_quinte = number == quinte
        # The quinté+ goes off at 15:15; R1's other races every 35 minutes around it.
        minutes = 15 * 60 + 15 + 35 * (number - quinte) if first is None else first + 30 * (number - 1)
        start = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=PARIS)
        plans.append(_plan_race(rng, day, hippodrome, number, is_quinte, start, going, softness, surface))
    return plans


def _plan_race(rng, day, hippodrome, number, is_quinte, start, going, softness, surface) -> RacePlan:
    trot = hippodrome.family == TROT
    if is_quinte:
        choices = [d for d in hippodrome.distances if not d[1]] or list(hippodrome.distances)
        distance, autostart = choices[int(rng.integers(len(choices)))]
        discipline = Discipline.TROT_ATTELE if trot else Discipline.PLAT
        handicap, ages = True, ((5, 10) if trot else (4, 8))
        quantile = float(rng.uniform(0.75, 0.95))
        size = int(rng.choice([14, 15, 16, 16, 16, 17, 18]))
        prize = 5000 * int(rng.integers(11, 25))
    else:
        distance, autostart = hippodrome.distances[int(rng.integers(len(hippodrome.distances)))]
        discipline = (
            (Discipline.TROT_MONTE if rng.random() < 0.22 else Discipline.TROT_ATTELE) if trot else Discipline.PLAT
        )
        handicap = (not autostart and rng.random() < 0.5) if trot else bool(rng.random() < 0.4)
        if trot:
            ages = ((3, 3), (4, 4), (5, 6), (5, 10), (4, 10), (6, 10))[int(rng.integers(6))]
        else:
            two_year_olds = day.month in (6, 7, 8, 9, 10, 11)
            ages = ((2, 2) if two_year_olds else (3, 3), (3, 3), (3, 8), (4, 8))[int(rng.integers(4))]
        quantile = float(rng.uniform(0.1, 0.9))
        size = 8 + min(10, int(rng.poisson(2.5)))
        prize = 1000 * round(16 * math.exp(1.2 * quantile) * (1.3 if hippodrome.code in ("VIN", "LON") else 1.0))
    name = race_name(rng)
    if is_quinte:
        race_class = "Course A - Handicap" if trot else "Handicap de catégorie"
    elif trot:
        race_class = "Course " + "EDCBA"[min(4, int(quantile * 5))] + (" - Handicap" if handicap else "")
    else:
        race_class = "Handicap" if handicap else f"Classe {3 - min(2, int(quantile * 3))}"
    return RacePlan(
        day,
        hippodrome,
        number,
        discipline,
        distance,
        autostart,
        handicap,
        ages,
        quantile,
        size,
        name,
        race_class,
        prize,
        start,
        is_quinte,
        going,
        softness,
        surface,
        f"{day.year:04d}{day.month:02d}{day.day:02d}-{hippodrome.code}-C{number}",
    )


def official_at(plan: RacePlan) -> dt.datetime:
    """When the demo race's arrival and rapports are out: the off, the running (a trotter covers a kilometre in
    about 75 s, a flat horse runs about 16 m/s) and a minute for the photo and the stewards; 2 to 5 minutes."""
    running = plan.distance * 0.075 if plan.hippodrome.family == TROT else plan.distance / 16
    return plan.start_time + dt.timedelta(seconds=60 * math.ceil(running / 60) + 60)


def planned_source_ids(*, seed: int, start: dt.date, today: dt.date) -> list[str]:
    """The source ids of every race from ``start`` to tomorrow, without simulating a horse."""
    return [plan.source_id for day in programme_days(start, today) for plan in plan_day(seed, day)]


def programme_days(start: dt.date, today: dt.date) -> Iterator[dt.date]:
    """Every day of the programme: ``start`` to tomorrow."""
    day = start
    while day <= today + dt.timedelta(days=1):
        yield day
        day += dt.timedelta(days=1)
