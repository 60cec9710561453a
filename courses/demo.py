"""The synthetic demo programme: a French PMU-like calendar, honestly labelled as generated.

Every day from a fixed epoch (``start``) to tomorrow has a few réunions (trot attelé, trot
monté, plat) at a small set of racecourses, one quinté+ and races of 8–18 runners. Horses,
drivers/jockeys and trainers recur with stable ids. Each horse has a latent ability, discipline
and distance preferences, an age curve and a form that drifts from run to run, so musique,
earnings, ratings, people and the market all carry real signal. A race's finishing order is a
Plackett–Luce draw over the runners' strengths (the Gumbel-max trick); the odds come from a
pari-mutuel pool whose shares are a noisy view of the true chances; rapports are paid from the
pools the way the PMU pays them.

Determinism: each day draws from its own random streams keyed by (seed, date), and the
simulation always runs from ``start`` forward, so a given date's races never depend on the day
the generator runs. ``today`` only decides what is *published*: races before today are finished
with results; today's and tomorrow's are scheduled, and tomorrow's musique, earnings and
ratings do not yet include today's results.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Container, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from courses.importers.payloads import DividendPayload, HorseRef, PersonRef, RacePayload, RunnerPayload
from courses.models import BetType, Discipline, RaceStatus, RunnerStatus, Sex, Source

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_START = dt.date(2024, 1, 1)
GENERATOR_VERSION = 1  # bump when the output changes: finished races are then rewritten, not skipped

TROT, PLAT = 0, 1
# Strength scale of the conditional logit: P(win) ∝ exp(KAPPA * strength).
KAPPA = 1.6
TAKEOUT_SIMPLE = 0.145  # Σ 1/odds ≈ 1 / (1 - 0.145) ≈ 1.17
TAKEOUT_COMBINED = 0.25
MARKET_NOISE = 0.30  # the public's error on a runner's strength at the off
MORNING_NOISE = 0.35  # extra error of the morning view
LONGSHOT_BIAS = 0.85  # < 1: the public flattens the chances (favourite–longshot bias)
COMBINED_FLATTENING = 0.7
QUINTE_ORDRE_SHARE, QUINTE_DESORDRE_SHARE = 0.065, 0.14
MIN_REST_DAYS = 12
POOL_TARGET = {TROT: 1500, PLAT: 1100}
MAX_AGE = {TROT: 10, PLAT: 8}
PRIZE_SHARES = (0.50, 0.20, 0.14, 0.10, 0.06)
MUSIQUE_RUNS = 10


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
    Hippodrome("VIN", "Vincennes", TROT, _months(1, 2, 3, 4, 5, 6, 9, 10, 11, 12),
               ((2100, True), (2700, False), (2850, False), (2175, False))),
    Hippodrome("ENG", "Enghien", TROT, ALL_YEAR, ((2150, True), (2875, False))),
    Hippodrome("CAE", "Caen", TROT, ALL_YEAR, ((2200, True), (2450, False))),
    Hippodrome("CAB", "Cabourg", TROT, _months(6, 7, 8, 9), ((2750, False), (2250, True))),
    Hippodrome("LAV", "Laval", TROT, _months(3, 4, 5, 6, 7, 8, 9, 10), ((2850, False), (2200, True))),
    Hippodrome("LON", "ParisLongchamp", PLAT, _months(4, 5, 6, 7, 9, 10),
               ((1400, False), (1600, False), (2000, False), (2400, False), (3000, False))),
    Hippodrome("CHA", "Chantilly", PLAT, ALL_YEAR,
               ((1200, False), (1600, False), (1900, False), (2400, False)), winter_all_weather=True),
    Hippodrome("DEA", "Deauville", PLAT, _months(1, 2, 3, 7, 8, 12),
               ((1200, False), (1500, False), (1900, False), (2500, False)), winter_all_weather=True),
    Hippodrome("STC", "Saint-Cloud", PLAT, _months(3, 4, 5, 6, 7, 9, 10, 11),
               ((1400, False), (1600, False), (2100, False), (2400, False))),
    Hippodrome("CAG", "Cagnes-sur-Mer", PLAT, _months(1, 2, 3, 12),
               ((1200, False), (1600, False), (2000, False), (2400, False)), winter_all_weather=True),
)

# (label, softness 0..1): softness meets each horse's liking for soft ground.
GOINGS_TROT = (("Bon", 0.1), ("Léger", 0.0), ("Souple", 0.5), ("Collant", 0.8))
GOINGS_TURF = (("Bon", 0.2), ("Bon léger", 0.0), ("Bon souple", 0.35), ("Souple", 0.55),
               ("Très souple", 0.8), ("Lourd", 1.0))

PLACES = (
    "Saint-Malo", "Bretagne", "Normandie", "l'Orne", "la Sarthe", "Vichy", "Bordeaux", "Lisieux",
    "Granville", "Vire", "Alençon", "Chartres", "Cholet", "Angers", "Tours", "Blois", "Rouen",
    "Dieppe", "Honfleur", "Fougères", "Vitré", "Morlaix", "Quimper", "Lorient", "Vannes", "Nantes",
    "Saumur", "Niort", "Cognac", "Royan", "Agen", "Pau", "Tarbes", "Nîmes", "Arles", "Avignon",
    "Grasse", "Menton", "Annecy", "Chambéry", "Besançon", "Dijon", "Beaune", "Mâcon", "Nevers",
    "Bourges", "Vierzon", "Limoges", "Brive", "Aurillac", "Rodez", "Albi", "Millau", "Sedan",
    "Reims", "Épernay", "Troyes", "Nancy", "Metz", "Colmar", "Amiens", "Beauvais", "Compiègne",
    "Senlis", "Provins", "Meaux", "Étampes", "Rambouillet", "Dreux", "Évreux", "Bernay", "Falaise",
)
NAMED = ("des Tilleuls", "des Lilas", "du Bocage", "de la Forêt", "des Marronniers", "du Perche",
         "des Charmilles", "de l'Étang", "des Vergers", "du Vieux Moulin", "des Genêts", "de la Source")
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Henry", "Roussel", "Nicolas", "Perrin",
    "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Robin", "Masson",
    "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roger", "Roche", "Roy", "Noël", "Lucas", "Meunier",
    "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Leroux", "Colin",
    "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Renaud",
    "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Hubert", "Guillot",
    "Rivière", "Le Gall", "Adam", "Rey", "Moulin", "Berger", "Lecomte", "Ménard", "Fleury",
)
SYLLABLES = (
    "ba", "bel", "ca", "cha", "da", "del", "do", "fa", "fi", "ga", "gi", "la", "le", "li", "lo", "ma",
    "me", "mi", "mo", "na", "ne", "ni", "no", "pa", "pi", "ra", "re", "ri", "ro", "sa", "se", "si",
    "so", "ta", "te", "ti", "to", "va", "ve", "vi", "vo", "lan", "mar", "tor", "val", "ron", "san",
    "tin", "lis", "nor", "bor", "dal", "mel", "vic", "rin", "sol", "quin", "bri", "cor", "dor",
)
FARMS = ("du Vernay", "de la Roche", "des Pins", "du Bocage", "de Vandel", "d'Ombreval", "des Charmes",
         "du Lys", "de Morvan", "des Landes", "du Pré", "de Belval", "des Noues", "du Mesnil", "de Ravel",
         "du Val", "des Brières", "de Carsac", "du Chêne", "de Loubry")
PLAT_WORDS = ("Star", "Rose", "d'Or", "Bleu", "du Sud", "Royal", "Queen", "King", "Wind", "Dream",
              "de Mai", "Storm", "Light", "Belle", "Spirit", "du Nord")
# French trotters are named with their birth year's letter (2011 = B, 2015 = F, 2005 = R; no Q, W–Z).
TROT_LETTERS = "ABCDEFGHIJKLMNOPRSTUV"
DISCIPLINE_LETTER = {Discipline.TROT_ATTELE: "a", Discipline.TROT_MONTE: "m", Discipline.PLAT: "p"}


# -- pure helpers ------------------------------------------------------------------------------


def rapport(per_euro: float) -> Decimal:
    """A PMU payout per 1 €: rounded down to 10 cents, never below 1.10 €."""
    tenths = max(11, math.floor(per_euro * 10 + 1e-9))
    return Decimal(tenths) / 10


def harville(shares: np.ndarray, order: tuple[int, ...]) -> float:
    """Probability that runners finish first, second, … in ``order`` when each wins with ``shares``."""
    probability, left = 1.0, 1.0
    for index in order:
        probability *= shares[index] / left
        left -= shares[index]
    return probability


def unordered(shares: np.ndarray, runners: tuple[int, ...]) -> float:
    """Probability that ``runners`` fill the first places in any order (Harville)."""
    return sum(harville(shares, order) for order in itertools.permutations(runners))


def musique(history: list[tuple[int, str]], year: int) -> str:
    """PMU musique from (year, token) results in date order: most recent first, "(yy)" before older seasons."""
    parts, current = [], year
    for run_year, token in reversed(history[-MUSIQUE_RUNS:]):
        if run_year != current:
            parts.append(f"({run_year % 100:02d})")
            current = run_year
        parts.append(token)
    return "".join(parts)


def _softmax(values: np.ndarray) -> np.ndarray:
    weights = np.exp(values - values.max())
    return weights / weights.sum()


def _age_effect(family: np.ndarray, age_years: np.ndarray) -> np.ndarray:
    """Horses improve to a peak (trotters later than flat horses) and decline after it."""
    delta = age_years - np.where(family == TROT, 6.5, 4.5)
    return np.where(delta < 0, -0.06, -0.04) * delta**2


# -- the calendar: independent of the horses, so it can be counted without simulating ----------


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


def _rng(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, day.toordinal(), stream])


def _in_season(family: int, month: int) -> list[Hippodrome]:
    return [h for h in HIPPODROMES if h.family == family and month in h.months]


def plan_day(seed: int, day: dt.date) -> list[RacePlan]:
    """The day's réunions and races, in programme order (R1 carries the quinté+)."""
    rng = _rng(seed, day, 0)
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
        going, softness = GOINGS_TURF[min(len(GOINGS_TURF) - 1, int(rng.integers(4)) + int(rng.integers(soft_bias + 1)))]
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
        discipline = (Discipline.TROT_MONTE if rng.random() < 0.22 else Discipline.TROT_ATTELE) if trot else Discipline.PLAT
        handicap = (not autostart and rng.random() < 0.5) if trot else bool(rng.random() < 0.4)
        if trot:
            ages = ((3, 3), (4, 4), (5, 6), (5, 10), (4, 10), (6, 10))[int(rng.integers(6))]
        else:
            two_year_olds = day.month in (6, 7, 8, 9, 10, 11)
            ages = ((2, 2) if two_year_olds else (3, 3), (3, 3), (3, 8), (4, 8))[int(rng.integers(4))]
        quantile = float(rng.uniform(0.1, 0.9))
        size = 8 + min(10, int(rng.poisson(2.5)))
        prize = 1000 * round(16 * math.exp(1.2 * quantile) * (1.3 if hippodrome.code in ("VIN", "LON") else 1.0))
    place = PLACES[int(rng.integers(len(PLACES)))] if rng.random() < 0.85 else NAMED[int(rng.integers(len(NAMED)))]
    name = f"Prix {place}" if place.startswith(("des ", "du ", "de ")) else (
        f"Prix d'{place}" if place[0] in "AEIOUÉÈaeiou" else f"Prix de {place}")
    if is_quinte:
        race_class = "Course A - Handicap" if trot else "Handicap de catégorie"
    elif trot:
        race_class = "Course " + "EDCBA"[min(4, int(quantile * 5))] + (" - Handicap" if handicap else "")
    else:
        race_class = "Handicap" if handicap else f"Classe {3 - min(2, int(quantile * 3))}"
    return RacePlan(day, hippodrome, number, discipline, distance, autostart, handicap, ages, quantile, size, name,
                    race_class, prize, start, is_quinte, going, softness, surface,
                    f"{day.year:04d}{day.month:02d}{day.day:02d}-{hippodrome.code}-C{number}")


def planned_source_ids(*, seed: int, start: dt.date, today: dt.date) -> list[str]:
    """The source ids of every race from ``start`` to tomorrow, without simulating a horse."""
    return [plan.source_id for day in _days(start, today) for plan in plan_day(seed, day)]


def _days(start: dt.date, today: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= today + dt.timedelta(days=1):
        yield day
        day += dt.timedelta(days=1)


# -- the horses and people --------------------------------------------------------------------


class Stable:
    """Every horse, driver/jockey and trainer of the demo; latent qualities live in numpy arrays."""

    FIELDS = ("ability", "family", "birth_year", "born", "monte", "best_distance", "mud", "gait_risk", "form",
              "last_run", "active", "trainer", "jockey", "earnings", "estimate")

    def __init__(self, seed: int, start: dt.date):
        rng = np.random.default_rng([seed, start.toordinal(), 99])
        self.size = 0
        for name in self.FIELDS:
            setattr(self, name, np.zeros(0))
        self.refs: list[HorseRef] = []
        self.history: list[list[tuple[int, str]]] = []  # the public record: (year, musique token)
        self.in_training: dict[int, np.ndarray] = {}  # the active horses of each family
        self.sires = {family: [_horse_name(rng, family, None) for _ in range(30)] for family in (TROT, PLAT)}
        self.skill: dict[str, np.ndarray] = {}
        self.people: dict[str, list[PersonRef]] = {}
        for key, prefix, count in (("driver", "DRV", 70), ("jockey", "JOC", 55),
                                   ("trot_trainer", "ENT-T", 80), ("plat_trainer", "ENT-P", 60)):
            self.skill[key] = rng.normal(0, 0.25, count)
            initials = rng.integers(16, size=count)
            surnames = rng.integers(len(SURNAMES), size=count)
            self.people[key] = [PersonRef(f"{prefix}{i + 1:03d}", f"{'ABCDEFGJLMNPRSTY'[initials[i]]}. "
                                                                  f"{SURNAMES[surnames[i]]}") for i in range(count)]
        for family in (TROT, PLAT):
            ages = rng.integers(3 if family == TROT else 2, MAX_AGE[family] + 1, POOL_TARGET[family])
            self._add(rng, family, start.year - ages, start, veteran=True)
        self._refresh_pools()

    def _add(self, rng, family: int, birth_years: np.ndarray, day: dt.date, *, veteran: bool = False) -> None:
        count = len(birth_years)
        ability = rng.normal(0, 1, count)
        age = day.year - birth_years
        effective = ability + _age_effect(np.full(count, family), age.astype(float))
        # Veterans arrive with a career before the epoch: earnings and a handicapper's estimate, no musique.
        prior = 6000 * np.maximum(age - 2, 0) * np.exp(0.8 * ability + rng.normal(0, 0.5, count))
        new = {
            "ability": ability,
            "family": np.full(count, family),
            "birth_year": birth_years,
            # Foals are born in spring: ages are counted from 1 April of the birth year.
            "born": np.array([dt.date(int(y), 4, 1).toordinal() for y in birth_years]),
            "monte": rng.normal(-0.2, 0.5, count),
            "best_distance": rng.normal(2500, 350, count) if family == TROT else rng.normal(1900, 450, count),
            "mud": rng.normal(0, 0.4, count),
            "gait_risk": rng.normal(0, 0.7, count),
            "form": rng.normal(0, 0.3, count),
            "last_run": day.toordinal() - (rng.integers(1, 60, count) if veteran else np.full(count, 30)),
            "active": np.ones(count),
            "trainer": self._assign(rng, "trot_trainer" if family == TROT else "plat_trainer", ability),
            "jockey": self._assign(rng, "driver" if family == TROT else "jockey", ability),
            "earnings": np.round(prior, -1) if veteran else np.zeros(count),
            "estimate": effective + rng.normal(0, 0.5, count),
        }
        if self.size + count > len(self.ability):  # grow by doubling: horses join a few at a time
            capacity = max(2 * len(self.ability), self.size + count)
            for name in self.FIELDS:
                grown = np.zeros(capacity)
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        for name, values in new.items():
            getattr(self, name)[self.size : self.size + count] = values
        sexes = rng.choice(3, size=count, p=[0.4, 0.42, 0.18])
        sires = rng.integers(len(self.sires[family]), size=count)
        dam_ages = rng.integers(5, 12, size=count)
        for i in range(count):
            birth_year = int(birth_years[i])
            self.refs.append(HorseRef(
                source_id=f"{'T' if family == TROT else 'P'}{self.size + i + 1:05d}",
                name=_horse_name(rng, family, birth_year),
                sex=(Sex.MALE, Sex.FEMALE, Sex.GELDING)[sexes[i]],
                birth_year=birth_year,
                country="FRA",
                sire=self.sires[family][sires[i]],
                dam=_horse_name(rng, family, birth_year - int(dam_ages[i])),
            ))
            self.history.append([])
        self.size += count

    def _assign(self, rng, key: str, ability: np.ndarray) -> np.ndarray:
        """Good horses tend to land with good trainers and riders (as in life: the two are confounded)."""
        skill = self.skill[key]
        weights = np.exp(np.outer(3.0 + 2.0 * ability, skill))
        cumulative = np.cumsum(weights, axis=1)
        draws = rng.random(len(ability)) * cumulative[:, -1]
        return np.array([np.searchsorted(row, u, side="right") for row, u in zip(cumulative, draws)])

    def _refresh_pools(self) -> None:
        active = self.active > 0
        # The padding past ``size`` is inactive, so never in training.
        self.in_training = {family: np.flatnonzero(active & (self.family == family)) for family in (TROT, PLAT)}

    def age_years(self, index: np.ndarray, day: dt.date) -> np.ndarray:
        return (day.toordinal() - self.born[index]) / 365.25

    def renew(self, rng, day: dt.date) -> None:
        """Retire the old and the unlucky; young horses take their places."""
        n = self.size
        too_old = day.year - self.birth_year[:n] > np.where(self.family[:n] == TROT, MAX_AGE[TROT], MAX_AGE[PLAT])
        injured = rng.random(n) < 1 / (365 * 4)
        self.active[:n][too_old | injured] = 0
        for family in (TROT, PLAT):
            missing = POOL_TARGET[family] - int(((self.active > 0) & (self.family == family)).sum())
            if missing > 0:  # two-year-olds on the flat wait for their races, from June
                youngest = 3 if family == TROT else 2
                self._add(rng, family, np.full(missing, day.year - youngest), day)
        self._refresh_pools()


def _horse_name(rng, family: int, birth_year: int | None) -> str:
    """A made-up French-sounding name; a trotter's starts with its birth year's letter."""
    picks = rng.integers(len(SYLLABLES), size=3)
    word = "".join(SYLLABLES[k] for k in picks[: 2 + int(rng.integers(2))])
    if family == TROT and birth_year is not None:
        letter = TROT_LETTERS[(birth_year - 1989) % len(TROT_LETTERS)]
        vowel = next((k for k, c in enumerate(word) if c in "aeiou"), 0)
        word = letter + (word if letter in "AEIOU" else word[vowel:])
        suffix = f" {FARMS[int(rng.integers(len(FARMS)))]}" if rng.random() < 0.45 else ""
    else:
        suffix = f" {PLAT_WORDS[int(rng.integers(len(PLAT_WORDS)))]}" if rng.random() < 0.35 else ""
    return word.capitalize() + suffix


# -- the races ----------------------------------------------------------------------------------


@dataclass
class DemoRace:
    """One generated race: the payload to write, and the truth behind it (for tests and benches)."""

    payload: RacePayload
    win_probability: np.ndarray  # true chance of each runner in saddle order (0 for a non-partant)
    ability: np.ndarray  # latent ability of each runner, age included, in saddle order


class _Race:
    """One race simulated in a fixed sequence of random draws, whatever will be published of it."""

    def __init__(self, stable: Stable, plan: RacePlan, rng: np.random.Generator):
        self.stable, self.plan, self.rng = stable, plan, rng
        self.trot = plan.hippodrome.family == TROT
        self.day = plan.date.toordinal()
        self.horses = self._select()
        n = len(self.horses)
        stable.form[self.horses] = 0.6 * stable.form[self.horses] + rng.normal(0, 0.3, n)
        stable.last_run[self.horses] = self.day
        self.riders = self._riders()
        self._handicap()
        if self.trot:
            self.shoeing = np.where(rng.random(n) < 0.35, "D4", np.where(rng.random(n) < 0.3, "DA", ""))
        else:
            self.shoeing = np.full(n, "")
        self.blinkers = rng.random(n) < 0.12
        self._strength()
        self.scratched = rng.random(n) < 0.025
        self.gumbel = rng.gumbel(size=n)
        self.market_error = rng.normal(0, MARKET_NOISE, n)
        self.morning_error = rng.normal(0, MORNING_NOISE, n)
        self.incident = rng.random(n)
        self.win_pool = float(rng.lognormal(0, 0.35)) * (900_000 if plan.is_quinte else 60_000)
        self.combo_noise = rng.lognormal(0, 0.25, 4)
        self.dead_heat = rng.random() < 0.004 and not plan.is_quinte
        self.rk_noise = rng.normal(0, 0.4, n + 1)
        self.rating_noise = rng.normal(0, 0.5, n)
        self._finish()
        self._market()

    def _select(self) -> np.ndarray:
        """Trainers enter horses of the race's class and distance that have rested enough."""
        s, plan = self.stable, self.plan
        pool = s.in_training[plan.hippodrome.family]
        age, rest = plan.date.year - s.birth_year[pool], self.day - s.last_run[pool]
        # Short of fresh horses of the right age, relax the rest, then the age condition.
        for min_rest, (youngest, oldest) in ((MIN_REST_DAYS, plan.ages), (7, plan.ages), (1, plan.ages), (1, (0, 99))):
            candidates = pool[(rest >= min_rest) & (age >= youngest) & (age <= oldest)]
            if len(candidates) >= 2 * plan.size:
                break
        eff = s.ability[candidates] + _age_effect(s.family[candidates], s.age_years(candidates, plan.date))
        k = min(len(eff) - 1, int(plan.quantile * len(eff)))
        level = np.partition(eff, k)[k]
        log_weight = -((eff - level) ** 2) / (2 * 0.6**2)
        log_weight += np.log(np.clip((self.day - s.last_run[candidates] - 8) / 30, 0.05, 1.0))
        log_weight -= 0.5 * ((s.best_distance[candidates] - plan.distance) / 700) ** 2
        if plan.discipline == Discipline.TROT_MONTE:
            log_weight += 1.5 * s.monte[candidates]
        # Weighted sampling without replacement: the top keys of log-weight + Gumbel noise.
        keys = log_weight + self.rng.gumbel(size=len(candidates))
        size = min(plan.size, len(candidates))
        return candidates[np.argsort(-keys, kind="stable")[:size]]

    def _riders(self) -> np.ndarray:
        """The usual driver or jockey most of the time, else a spare one (the busy ones are the good ones)."""
        s, rng, n = self.stable, self.rng, len(self.horses)
        skill = s.skill["driver" if self.trot else "jockey"]
        usual = rng.random(n) < 0.7
        spares = iter(np.argsort(-(2 * skill + rng.gumbel(size=len(skill))), kind="stable").tolist())
        taken: set[int] = set()
        riders = []
        for i, horse in enumerate(self.horses.tolist()):
            rider = int(s.jockey[horse])
            if not usual[i] or rider in taken:
                rider = next(r for r in spares if r not in taken)
            taken.add(rider)
            riders.append(rider)
        return np.array(riders)

    def _handicap(self) -> None:
        """Trot: the richest start 25 m (or 50 m) behind. Plat: weight from the handicapper's rating."""
        s, plan, rng, n = self.stable, self.plan, self.rng, len(self.horses)
        self.extra_metres = np.zeros(n)
        self.rating = np.round(38 + 7 * s.estimate[self.horses]).clip(10, 70)
        if self.trot:
            self.weight = np.zeros(n)
            if plan.handicap and not plan.autostart:
                earnings = s.earnings[self.horses]
                self.extra_metres += 25 * (earnings > np.quantile(earnings, 0.6))
                if plan.is_quinte:
                    self.extra_metres += 25 * (earnings > np.quantile(earnings, 0.9))
            order = np.lexsort((rng.random(n), self.extra_metres))  # front line first
        elif plan.handicap:
            self.weight = np.round(2 * (56 + 0.8 * (self.rating - np.median(self.rating))).clip(50.5, 61)) / 2
            order = np.lexsort((rng.random(n), -self.weight))  # top weight is number 1
        else:
            age = plan.date.year - s.birth_year[self.horses]
            female = np.array([s.refs[h].sex == Sex.FEMALE for h in self.horses.tolist()])
            self.weight = np.where(age >= 4, 58.0, 56.0) - 1.5 * female
            order = rng.permutation(n)
        self.draw = rng.permutation(n) + 1
        self.horses, self.riders = self.horses[order], self.riders[order]
        self.extra_metres, self.weight, self.rating = self.extra_metres[order], self.weight[order], self.rating[order]

    def _strength(self) -> None:
        """What each runner brings on the day; ``merit`` leaves out the handicap, ``strength`` includes it."""
        s, plan, h = self.stable, self.plan, self.horses
        self.ability = s.ability[h] + _age_effect(s.family[h], s.age_years(h, plan.date))
        merit = self.ability + s.form[h] - 0.6 * ((plan.distance - s.best_distance[h]) / 1000) ** 2
        merit += s.mud[h] * plan.softness
        if plan.discipline == Discipline.TROT_MONTE:
            merit += s.monte[h]
        rider = s.skill["driver" if self.trot else "jockey"][self.riders]
        trainer = s.skill["trot_trainer" if self.trot else "plat_trainer"][s.trainer[h].astype(int)]
        merit += 0.8 * rider + 0.6 * trainer
        if self.trot:
            merit += np.where(self.shoeing == "D4", 0.12, np.where(self.shoeing == "DA", 0.05, 0.0))
            strength = merit - 0.28 * self.extra_metres / 25
        else:
            strength = merit - 0.045 * (self.weight - self.weight.mean())
            if plan.distance <= 1600:  # a low draw helps over a sprint
                strength -= 0.02 * (self.draw - self.draw.mean())
        self.merit, self.strength = merit, strength

    def _finish(self) -> None:
        """Who starts, the order (Plackett–Luce by the Gumbel-max trick) and who is disqualified."""
        if self.scratched.sum() > len(self.horses) - 7:  # never scratch a race below seven starters
            self.scratched[:] = False
        self.starters = ~self.scratched
        if self.trot:  # trotters break into a gallop: the nervous, the ridden and the barefoot more often
            risk = -3.3 + self.stable.gait_risk[self.horses] + 0.5 * (self.plan.discipline == Discipline.TROT_MONTE)
            risk += 0.4 * (self.shoeing == "D4")
            self.out = self.starters & (self.incident < 1 / (1 + np.exp(-risk)))
        else:
            self.out = self.starters & (self.incident < 0.005)
        performance = KAPPA * self.strength + self.gumbel
        self.ranked = [i for i in np.argsort(-performance, kind="stable").tolist()
                       if self.starters[i] and not self.out[i]]
        self.position = np.zeros(len(self.horses), dtype=int)
        self.position[self.ranked] = np.arange(1, len(self.ranked) + 1)
        if self.dead_heat and len(self.ranked) > 2:
            self.position[self.ranked[1]] = 1
        chances = np.where(self.starters, np.exp(KAPPA * (self.strength - self.strength.max())), 0.0)
        self.win_probability = chances / chances.sum()

    def _market(self) -> None:
        """Pari-mutuel: the public's stakes follow a noisy, flattened view of the true chances."""
        starters, n = self.starters, len(self.horses)
        view = np.exp(LONGSHOT_BIAS * KAPPA * (self.strength + self.market_error - self.strength.max()))
        view = np.where(starters, view, 0.0)
        # Someone always backs the outsiders: a little money is spread evenly over the field.
        self.shares = 0.97 * view / view.sum() + 0.03 * starters / starters.sum()
        morning = _softmax(LONGSHOT_BIAS * KAPPA * (self.strength + self.market_error + self.morning_error))
        morning = 0.97 * morning + 0.03 / n
        self.morning_odds = [_tenths(t) for t in np.maximum(11, np.round(10 * (1 - TAKEOUT_SIMPLE) / morning)).tolist()]
        self.stakes = np.where(starters, np.maximum(1.0, np.round(self.win_pool * self.shares)), 0.0)
        self.net = self.stakes.sum() * (1 - TAKEOUT_SIMPLE)
        odds = np.maximum(11, np.floor(10 * self.net / np.where(starters, self.stakes, 1.0) + 1e-9)).tolist()
        self.final_odds = [_tenths(t) if starter else None for t, starter in zip(odds, starters.tolist())]

    def dividends(self) -> tuple[list[DividendPayload], set[int]]:
        """The rapports of the finished race, and the runners the place pool paid."""
        # Dead heaters are listed by saddle number.
        ranked, saddle = sorted(self.ranked, key=lambda i: (self.position[i], i)), lambda i: str(i + 1)
        winners = [i for i in ranked if self.position[i] == 1]
        out: list[DividendPayload] = []
        if len(winners) == 1:
            out.append(DividendPayload(BetType.SIMPLE_GAGNANT, saddle(winners[0]), self.final_odds[winners[0]]))
        else:  # a dead heat: the profit is shared equally between the winners' stakes
            profit = self.net - sum(self.stakes[i] for i in winners)
            for i in winners:
                out.append(DividendPayload(BetType.SIMPLE_GAGNANT, saddle(i),
                                           rapport(1 + profit / len(winners) / self.stakes[i])))
        placed = ranked[: 3 if self.starters.sum() >= 8 else 2]
        view = np.where(self.starters, self.shares**0.6, 0.0)
        stakes = np.where(self.starters, np.maximum(1.0, np.round(0.7 * self.win_pool * view / view.sum())), 0.0)
        # Placé: the net pool less the placed horses' stakes, in equal parts per placed horse.
        profit = max(0.0, stakes.sum() * (1 - TAKEOUT_SIMPLE) - sum(stakes[i] for i in placed))
        for i in placed:
            out.append(DividendPayload(BetType.SIMPLE_PLACE, saddle(i), rapport(1 + profit / len(placed) / stakes[i])))
        # Combined bets are played more widely (systematic tickets, favourite numbers): a flatter view.
        flat = np.where(self.starters, self.shares**COMBINED_FLATTENING, 0.0)
        flat /= flat.sum()
        for bet, size, share, noise in ((BetType.COUPLE_GAGNANT, 2, 0.8, 0), (BetType.TRIO, 3, 0.5, 1)):
            combo = tuple(ranked[:size])
            pool = self.win_pool * share
            stake = max(1.0, pool * unordered(flat, combo) * self.combo_noise[noise])
            out.append(DividendPayload(bet, "-".join(map(saddle, combo)), rapport((1 - TAKEOUT_COMBINED) * pool / stake)))
        if self.plan.is_quinte:
            # The quinté+ pool also pays the bonus ranks and feeds a jackpot: the ordre and désordre
            # shares below put their rapports in the PMU's usual range. A winner stakes at least a 2 € ticket.
            five, pool = tuple(ranked[:5]), 2.5 * self.win_pool
            in_order = harville(flat, five)
            ordre_stake = max(2.0, pool * in_order * self.combo_noise[2])
            desordre_stake = max(2.0, pool * (unordered(flat, five) - in_order) * self.combo_noise[3])
            ordre = rapport(QUINTE_ORDRE_SHARE * (1 - TAKEOUT_COMBINED) * pool / ordre_stake)
            desordre = min(ordre, rapport(QUINTE_DESORDRE_SHARE * (1 - TAKEOUT_COMBINED) * pool / desordre_stake))
            combination = "-".join(map(saddle, five))
            out.append(DividendPayload(BetType.QUINTE_ORDRE, combination, ordre))
            out.append(DividendPayload(BetType.QUINTE_DESORDRE, combination, desordre))
        return out, set(placed)

    def token(self, i: int) -> str:
        """This run's musique entry: the place (0 for tenth or worse) or D/A, then the discipline."""
        letter = DISCIPLINE_LETTER[self.plan.discipline]
        if self.out[i]:
            return ("D" if self.trot else "A") + letter
        return f"{min(self.position[i], 10) % 10}{letter}"

    def reductions(self) -> dict[int, Decimal]:
        """Trot: each classified runner's time per km, slower down the order."""
        plan = self.plan
        time = 72.0 + 1.0 * (plan.discipline == Discipline.TROT_MONTE) + 0.8 * (plan.distance - 2100) / 750
        time += 0.6 * plan.softness + 0.6 * (not plan.autostart) - 0.8 * (plan.quantile - 0.5) + self.rk_noise[-1]
        out = {}
        for k, i in enumerate(self.ranked):
            if k:
                time += 0.05 + abs(self.rk_noise[i]) * 0.4
            out[i] = _tenths(round(time * 10))
        return out


@functools.lru_cache(maxsize=None)
def _tenths(tenths: int) -> Decimal:
    return Decimal(int(tenths)) / 10


class DemoGenerator:
    """Simulates the demo racing from ``start`` forward and yields what ``today`` may publish."""

    def __init__(self, *, seed: int = 42, start: dt.date = DEFAULT_START, today: dt.date):
        if start > today:
            raise ValueError(f"start {start} is after today {today}")
        self.seed, self.start, self.today = seed, start, today
        # Stored on every race: a finished race written under the same fingerprint is final.
        self.fingerprint = {"seed": seed, "start": start.isoformat(), "version": GENERATOR_VERSION}

    def races(self, *, skip: Container[str] = ()) -> Iterator[DemoRace]:
        """Every race from start to tomorrow in programme order; ``skip``ped source ids are simulated, not built."""
        stable = Stable(self.seed, self.start)
        for day in _days(self.start, self.today):
            stable.renew(_rng(self.seed, day, 2), day)
            rng = _rng(self.seed, day, 1)
            published = day < self.today
            for plan in plan_day(self.seed, day):
                race = _Race(stable, plan, rng)
                if plan.source_id not in skip:
                    yield self._demo_race(race, published)
                if published:
                    self._publish(race)

    @staticmethod
    def _publish(race: _Race) -> None:
        """A finished race enters the public record: musique, earnings, the handicapper's estimate."""
        s, plan = race.stable, race.plan
        for i, horse in enumerate(race.horses.tolist()):
            if not race.starters[i]:
                continue
            s.history[horse].append((plan.date.year, race.token(i)))
            position = race.position[i]
            if 0 < position <= len(PRIZE_SHARES):
                s.earnings[horse] += round(plan.prize * PRIZE_SHARES[position - 1])
            s.estimate[horse] = 0.7 * s.estimate[horse] + 0.3 * (race.merit[i] + race.rating_noise[i])

    def _demo_race(self, race: _Race, published: bool) -> DemoRace:
        plan, s = race.plan, race.stable
        dividends, paid = race.dividends() if published else ([], set())
        reductions = race.reductions() if published and race.trot else {}
        riders = s.people["driver" if race.trot else "jockey"]
        trainers = s.people["trot_trainer" if race.trot else "plat_trainer"]
        year = plan.date.year
        columns = zip(race.horses.tolist(), race.riders.tolist(), race.starters.tolist(), race.out.tolist(),
                      race.position.tolist(), race.draw.tolist(), race.weight.tolist(), race.extra_metres.tolist(),
                      race.rating.tolist(), race.shoeing.tolist(), race.blinkers.tolist())
        runners = []
        for i, (horse, rider, starter, out, position, draw, weight, metres, rating, shoeing, blinkers) in enumerate(columns):
            status = RunnerStatus.RUNNER
            if published and not starter:
                status = RunnerStatus.NON_PARTANT
            elif published and out:
                status = RunnerStatus.DISQUALIFIED if race.trot else RunnerStatus.PULLED_UP
            runners.append(RunnerPayload(
                saddle_number=i + 1,
                horse=s.refs[horse],
                jockey=riders[rider],
                trainer=trainers[int(s.trainer[horse])],
                draw=None if race.trot else draw,
                weight_kg=None if race.trot else _tenths(round(weight * 10)),
                handicap_distance=plan.distance + int(metres) if race.trot else None,
                age=year - int(s.birth_year[horse]),
                rating=None if race.trot else int(rating),
                career_earnings=Decimal(int(s.earnings[horse])),
                musique=musique(s.history[horse], year),
                shoeing=shoeing,
                equipment="oeillères" if blinkers and not race.trot else "",
                morning_odds=race.morning_odds[i],
                final_odds=race.final_odds[i] if published else None,
                status=status,
                position=position if published and position else None,
                placed=(i in paid) if published and starter else None,
                reduction_km=reductions.get(i),
            ))
        payload = RacePayload(
            source=Source.DEMO,
            source_id=plan.source_id,
            location=f"demo {plan.date} {plan.hippodrome.code} C{plan.number}",
            date=plan.date,
            racecourse_code=f"DEMO-{plan.hippodrome.code}",
            racecourse_name=f"{plan.hippodrome.name} (synthetic)",
            number=plan.number,
            discipline=plan.discipline,
            distance=plan.distance,
            country="FRA",
            name=plan.name,
            going=plan.going,
            surface=plan.surface,
            race_class=plan.race_class,
            prize=Decimal(plan.prize),
            currency="EUR",
            start_time=plan.start_time,
            is_quinte=plan.is_quinte,
            status=RaceStatus.FINISHED if published else RaceStatus.SCHEDULED,
            declared_runners=len(runners),
            extra={"synthetic": True, "demo": self.fingerprint,
                   **({"start": "autostart" if plan.autostart else "volté"} if race.trot else {})},
            runners=runners,
            dividends=dividends,
        )
        return DemoRace(payload=payload, win_probability=race.win_probability, ability=race.ability)
