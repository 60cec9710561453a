"""Parse PMU turfinfo JSON (programme, participants, rapports définitifs) into race payloads.

A path is one programme file or a folder searched recursively. Files are recognised by what
they hold, not by their names: a programme (``{"programme": {"reunions": ...}}``) gives every
race of its day; a participants file (``{"participants": [{numPmu, idCheval...}]}``) and a
rapports file (a list of ``{typePari, rapports}``) carry no race id of their own, so each is
matched to one race of a programme of its folder — by a ``R1_C1``-style name where there is
one, always checked against the race's finishing order (``ordreArrivee``). A file that fits no
race, or several, is reported as ``Rejected`` rather than guessed. Performances-détaillées
files describe the runners' *past* races (other days, other fields): they are not imported.

Units, per SOURCE.md and checked on the files: money in cents except race prizes (whole euros),
weights in hectograms, times and reductions kilométriques in ms, times as epoch ms + offset.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from courses.models import BetType, Discipline, RaceStatus, RunnerStatus, Sex, Source

from .payloads import DividendPayload, HorseRef, PersonRef, RacePayload, Rejected, RejectRace, RunnerPayload
from .rows import ascii_lower, to_decimal, to_int

PROGRAMME, PARTICIPANTS, RAPPORTS, PERFORMANCES = "programme", "participants", "rapports", "performances"

DISCIPLINES = {
    "ATTELE": Discipline.TROT_ATTELE,
    "MONTE": Discipline.TROT_MONTE,
    "PLAT": Discipline.PLAT,
    "HAIE": Discipline.HAIES,
    "STEEPLECHASE": Discipline.STEEPLE,
    "CROSS": Discipline.CROSS,
}
# The course's ``specialite`` names trot and flat races too; obstacle needs ``discipline``.
SPECIALITES = {"TROT_ATTELE": Discipline.TROT_ATTELE, "TROT_MONTE": Discipline.TROT_MONTE, "PLAT": Discipline.PLAT}
SEXES = {"HONGRES": Sex.GELDING, "FEMELLES": Sex.FEMALE, "MALES": Sex.MALE}
# PMU leaves deferre out for a trotter that runs fully shod (the CSV export leaves it blank).
SHOD = "FERRE"
SURFACES = {"HERBE": "turf", "GAZON": "turf", "PSF": "all-weather", "SABLE": "sand", "CENDREE": "dirt"}

# Bets whose rapports need no libelle to be told apart. The *_INTERNATIONAL pools are the same
# bets sold on foreign races; the E_* pools (PMU's internet-only twins, smaller base stakes)
# are left out: their rapports would collide with the main pool's on the same combinations.
BET_TYPES = {
    "SIMPLE_GAGNANT": BetType.SIMPLE_GAGNANT,
    "SIMPLE_GAGNANT_INTERNATIONAL": BetType.SIMPLE_GAGNANT,
    "SIMPLE_PLACE": BetType.SIMPLE_PLACE,
    "SIMPLE_PLACE_INTERNATIONAL": BetType.SIMPLE_PLACE,
    "COUPLE_GAGNANT": BetType.COUPLE_GAGNANT,
    "COUPLE_PLACE": BetType.COUPLE_PLACE,
    "COUPLE_ORDRE": BetType.COUPLE_ORDRE,
    "COUPLE_ORDRE_INTERNATIONAL": BetType.COUPLE_ORDRE,
    "DEUX_SUR_QUATRE": BetType.DEUX_SUR_QUATRE,
    "TRIO": BetType.TRIO,
    "TRIO_ORDRE": BetType.TRIO_ORDRE,
    "MULTI": BetType.MULTI,
    "PICK5": BetType.PICK5,
}
# Tiercé, quarté+ and quinté+ pay several rapports told apart only by their libelle.
BY_LIBELLE = {
    "TIERCE": (("desordre", BetType.TIERCE_DESORDRE), ("ordre", BetType.TIERCE_ORDRE)),
    "QUARTE_PLUS": (
        ("bonus", BetType.QUARTE_BONUS),
        ("desordre", BetType.QUARTE_DESORDRE),
        ("ordre", BetType.QUARTE_ORDRE),
    ),
    "QUINTE_PLUS": (
        ("bonus 4", BetType.QUINTE_BONUS4),
        ("bonus 3", BetType.QUINTE_BONUS3),
        ("desordre", BetType.QUINTE_DESORDRE),
        ("ordre", BetType.QUINTE_ORDRE),
    ),
}
# Rapports whose combination is the finishing order itself (checked when matching a file).
ORDERED_BETS = frozenset(
    {
        BetType.SIMPLE_GAGNANT,
        BetType.COUPLE_ORDRE,
        BetType.TRIO_ORDRE,
        BetType.TIERCE_ORDRE,
        BetType.QUARTE_ORDRE,
        BetType.QUINTE_ORDRE,
    }
)
# No other PMU bet pays a horse finishing worse than fifth.
LAST_PAID_PLACE = 5
RC_IN_NAME = re.compile(r"R(\d+)[_-]?C(\d+)(?!\d)", re.IGNORECASE)


# -- files ------------------------------------------------------------------------------------


@dataclass
class _File:
    path: Path
    kind: str
    data: object


@dataclass
class _Course:
    """One race of a programme, with the participants and rapports files matched to it."""

    programme: Path
    location: str
    reunion: dict
    course: dict
    date: dt.date
    meeting: int | None
    number: int | None
    participants: _File | None = None
    rapports: _File | None = None


def load_json(path: Path) -> object:
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not valid JSON ({exc})") from None


def classify(data: object) -> str | None:
    """What a PMU response is, from its shape: programme, participants, rapports, performances."""
    if isinstance(data, dict):
        programme = data.get("programme")
        if isinstance(programme, dict) and isinstance(programme.get("reunions"), list):
            return PROGRAMME
        runners = data.get("participants")
        if isinstance(runners, list) and runners and all(isinstance(r, dict) for r in runners):
            if any("coursesCourues" in r for r in runners):
                return PERFORMANCES
            if all("numPmu" in r for r in runners):
                return PARTICIPANTS
    bets = isinstance(data, list) and data and all(isinstance(b, dict) and "typePari" in b for b in data)
    if bets and all(isinstance(b.get("rapports"), list) for b in data):
        return RAPPORTS
    return None


@dataclass
class PmuJson:
    """Everything found under a path, paired up; iterate ``items()`` to get the races."""

    root: Path
    courses: list[_Course] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.courses) + len(self.rejected)

    def items(self) -> Iterator[RacePayload | Rejected]:
        for course in self.courses:
            try:
                yield build_race(course)
            except RejectRace as exc:
                yield Rejected(course.location, str(exc))
        yield from self.rejected


def scan(path: Path) -> PmuJson:
    """Read a programme file, or every JSON file under a folder, and match files to races."""
    found = PmuJson(root=path if path.is_dir() else path.parent)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".json")
        if not files:
            raise ValueError("no .json file in this folder")
    else:
        files = [path]
    loaded = []
    for file in files:
        data = load_json(file)
        loaded.append(_File(file, classify(data), data))
    if not path.is_dir() and loaded[0].kind != PROGRAMME:
        kind = loaded[0].kind or "unrecognised"
        raise ValueError(f"not a PMU programme ({kind} JSON): give the programme file or the folder holding both")
    for file in loaded:
        if file.kind == PROGRAMME:
            found.courses.extend(_programme_courses(file, _relative(file.path, found.root)))
    for file in loaded:
        where = _relative(file.path, found.root)
        if file.kind in (PARTICIPANTS, RAPPORTS):
            reason = _attach(file, found.courses)
            if reason:
                found.rejected.append(Rejected(where, reason))
        elif file.kind == PERFORMANCES:
            found.notes.append(f"ignored {where}: performances-détaillées describe past races, not imported")
        elif file.kind is None:
            found.notes.append(f"ignored {where}: not a PMU programme, participants or rapports response")
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name


def _programme_courses(file: _File, where: str) -> Iterator[_Course]:
    programme = file.data["programme"]
    for reunion in programme["reunions"]:
        if not isinstance(reunion, dict):
            raise ValueError(f"{where}: a réunion is not an object")
        meeting = _small_int(reunion.get("numOfficiel"))
        date = _local_date(reunion, programme)
        for index, course in enumerate(reunion.get("courses") or [], start=1):
            if not isinstance(course, dict):
                raise ValueError(f"{where}: a course of réunion R{meeting} is not an object")
            number = _small_int(course.get("numOrdre"))
            label = f"R{meeting}C{number}" if number else f"R{meeting} course #{index} (no numOrdre)"
            yield _Course(file.path, f"{where} {label}", reunion, course, date, meeting, number)


def _small_int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _local_date(reunion: dict, programme: dict) -> dt.date | None:
    """The programme day in PMU's local time: epoch ms shifted by the offset PMU gives."""
    stamp = reunion.get("dateReunion", programme.get("date"))
    offset = reunion.get("timezoneOffset", programme.get("timezoneOffset", 0))
    if not isinstance(stamp, int) or not isinstance(offset, int):
        return None
    return (dt.datetime.fromtimestamp(stamp / 1000, dt.UTC) + dt.timedelta(milliseconds=offset)).date()


# -- matching participants and rapports files to their race ----------------------------------


def _attach(file: _File, courses: list[_Course]) -> str:
    """Attach a participants or rapports file to its race; return why not, or ''."""
    same_folder = [c for c in courses if c.programme.parent == file.path.parent]
    candidates = same_folder or courses
    if not candidates:
        return f"{file.kind} file with no programme to match it to"
    fits = _participants_fit if file.kind == PARTICIPANTS else _rapports_fit
    named = RC_IN_NAME.search(file.path.stem)
    if named:
        wanted = (int(named.group(1)), int(named.group(2)))
        candidates = [c for c in candidates if (c.meeting, c.number) == wanted]
        if not candidates:
            return f"named R{wanted[0]}C{wanted[1]} but no programme race of its folder is R{wanted[0]}C{wanted[1]}"
        if len(candidates) == 1:
            verdict = fits(candidates[0], file.data)
            if verdict is False:
                return f"named {candidates[0].location} but its finishing order contradicts that race's"
            return _claim(file, candidates[0])
    matches = [c for c in candidates if fits(c, file.data)]
    if len(matches) == 1:
        return _claim(file, matches[0])
    if not matches:
        return f"race cannot be identified: its {file.kind} fit none of the {len(candidates)} programme race(s)"
    names = ", ".join(c.location for c in matches[:5])
    return f"race cannot be identified: its {file.kind} fit {len(matches)} races ({names})"


def _claim(file: _File, course: _Course) -> str:
    if getattr(course, file.kind) is not None:
        return f"{course.location} already has a {file.kind} file ({getattr(course, file.kind).path.name})"
    setattr(course, file.kind, file)
    return ""


def arrival_positions(course: dict) -> dict[int, int]:
    """Saddle -> position from the course ``ordreArrivee`` ([[7],[3,9],[1]]: 3 and 9 dead-heat 2nd,
    1 is 4th, as in the usual competition ranking)."""
    positions: dict[int, int] = {}
    place = 1
    for group in course.get("ordreArrivee") or []:
        group = group if isinstance(group, list) else [group]
        for number in group:
            if _small_int(number) is not None:
                positions[number] = place
        place += len(group)
    return positions


def _participants_fit(course: _Course, data: dict) -> bool | None:
    """True if the runners' finishing orders agree with the race's and at least one is placed;
    False on a contradiction; None when nothing can be compared."""
    arrival = arrival_positions(course.course)
    listed = len(arrival)
    compared = False
    for runner in data["participants"]:
        number, place = _small_int(runner.get("numPmu")), _small_int(runner.get("ordreArrivee"))
        if number is None:
            continue
        if number in arrival:
            if place is not None and place != arrival[number]:
                return False
            compared = compared or place is not None
        elif place is not None and place <= listed:
            return False
    return True if compared else None


def _rapports_fit(course: _Course, data: list) -> bool | None:
    """True if every paid combination agrees with the race's finishing order and at least one
    names the winner or an exact order; False on a contradiction; None when undecided."""
    arrival = arrival_positions(course.course)
    listed = len(arrival)
    decisive = False
    for bet in data:
        for line in bet.get("rapports") or []:
            bet_type = _bet_type(str(bet.get("typePari", "")), str(line.get("libelle", "")))
            numbers = [int(n) for n in str(line.get("combinaison", "")).split("-") if n.strip().isdigit()]
            if bet_type in (None, BetType.PICK5, BetType.OTHER) or not numbers:
                continue  # a pick 5 spans five races; unknown bets prove nothing
            if bet_type in ORDERED_BETS:
                for index, number in enumerate(numbers[: 1 if bet_type == BetType.SIMPLE_GAGNANT else None]):
                    # "<=": a horse dead-heating for a better place also fills this one
                    if index < listed and not 0 < arrival.get(number, 0) <= index + 1:
                        return False
                decisive = decisive or listed > 0
            for number in numbers:
                if number not in arrival and listed >= LAST_PAID_PLACE:
                    return False
                if arrival.get(number, 0) > LAST_PAID_PLACE:
                    return False
    return True if decisive else None


# -- building one race ------------------------------------------------------------------------


def build_race(item: _Course) -> RacePayload:
    """The race payload of one programme course with its runners and rapports; RejectRace if bad."""
    course, reunion = item.course, item.reunion
    for name, value, parsed in (
        ("réunion numOfficiel", reunion.get("numOfficiel"), item.meeting),
        ("numOrdre", course.get("numOrdre"), item.number),
    ):
        if parsed is None:
            raise RejectRace(f"{name} is missing" if value is None else f"{name}={value!r} is not a whole number")
    if item.date is None:
        raise RejectRace("the programme has no date (dateReunion)")
    hippodrome = reunion.get("hippodrome") or {}
    if not hippodrome.get("code"):
        raise RejectRace("réunion hippodrome has no code")
    distance = to_int(course.get("distance"), "distance", blank_ok=False)
    if course.get("distanceUnit", "METRE") != "METRE":
        raise RejectRace(f"distanceUnit {course.get('distanceUnit')!r} is not METRE")
    penetrometre = course.get("penetrometre") or {}
    going = str(penetrometre.get("intitule") or "").strip()
    race = RacePayload(
        source=Source.PMU,
        source_id=f"{item.date:%Y-%m-%d}/R{item.meeting}/C{item.number}",
        location=item.location,
        date=item.date,
        racecourse_code=str(hippodrome["code"]),
        racecourse_name=str(hippodrome.get("libelleLong") or hippodrome.get("libelleCourt") or hippodrome["code"]),
        number=item.number,
        meeting_number=item.meeting,
        discipline=_discipline(course),
        distance=distance,
        country=str((reunion.get("pays") or {}).get("code") or "")[:3],
        name=str(course.get("libelle") or "")[:200],
        going=going[:60],
        surface=_surface(course.get("typePiste"), going),
        race_class=str(course.get("categorieParticularite") or "")[:40],
        prize=to_decimal(course.get("montantPrix"), "montantPrix"),
        currency="EUR",
        start_time=_start_time(course),
        is_quinte=_is_quinte(course, reunion, item.number),
        status=_race_status(course),
        declared_runners=to_int(course.get("nombreDeclaresPartants"), "nombreDeclaresPartants"),
        extra=_race_extra(course, reunion),
    )
    if item.rapports is not None:
        race.dividends = build_dividends(item.rapports.data, item.rapports.path.name)
    if item.participants is not None:
        race.runners = build_runners(item.participants.data, course, race, item.participants.path.name)
    return race


def _discipline(course: dict) -> str:
    discipline = DISCIPLINES.get(course.get("discipline")) or SPECIALITES.get(course.get("specialite"))
    if discipline is None:
        raise RejectRace(f"discipline {course.get('discipline')!r} / specialite {course.get('specialite')!r} unknown")
    return discipline


def _surface(piste, going: str) -> str:
    if piste:
        return SURFACES.get(str(piste).upper(), str(piste).lower())[:20]
    # Without typePiste the penetrometre still tells an all-weather track: "PSF STANDARD".
    return "all-weather" if going.upper().startswith("PSF") else ""


def _start_time(course: dict) -> dt.datetime | None:
    stamp, offset = course.get("heureDepart"), course.get("timezoneOffset", 0)
    if _small_int(stamp) is None:
        return None
    zone = dt.timezone(dt.timedelta(milliseconds=offset if isinstance(offset, int) else 0))
    return dt.datetime.fromtimestamp(stamp / 1000, zone)


def _is_quinte(course: dict, reunion: dict, number: int) -> bool:
    for event in reunion.get("parisEvenement") or []:
        target = event.get("course") or {}
        same_reunion = target.get("numReunion", reunion.get("numOfficiel")) == reunion.get("numOfficiel")
        if event.get("codePari") == "QUINTE_PLUS" and target.get("numOrdre") == number and same_reunion:
            return True
    return any((bet or {}).get("typePari") == "QUINTE_PLUS" for bet in course.get("paris") or [])


def _race_status(course: dict) -> str:
    statut = f"{course.get('statut') or ''} {course.get('categorieStatut') or ''}".upper()
    if "ANNUL" in statut:
        return RaceStatus.CANCELLED
    if course.get("arriveeDefinitive") or course.get("ordreArrivee"):
        return RaceStatus.FINISHED
    return RaceStatus.SCHEDULED


def _race_extra(course: dict, reunion: dict) -> dict:
    keep = (
        "libelleCourt",
        "parcours",
        "corde",
        "specialite",
        "typePiste",
        "conditionAge",
        "conditionSexe",
        "montantTotalOffert",
        "montantOffert1er",
        "montantOffert2eme",
        "montantOffert3eme",
        "montantOffert4eme",
        "montantOffert5eme",
        "statut",
        "dureeCourse",
        "ordreArrivee",
        "incidents",
    )
    extra = {key: course[key] for key in keep if course.get(key) not in (None, "", [])}
    if isinstance(course.get("penetrometre"), dict) and course["penetrometre"].get("valeurMesure"):
        extra["penetrometre"] = course["penetrometre"]["valeurMesure"]
    if isinstance(reunion.get("meteo"), dict):
        extra["meteo"] = {k: reunion["meteo"].get(k) for k in ("temperature", "forceVent", "nebulositeLibelleCourt")}
    return extra


# -- runners ----------------------------------------------------------------------------------


def build_runners(data: dict, course: dict, race: RacePayload, name: str) -> list[RunnerPayload]:
    arrival = arrival_positions(course)
    incidents = _incident_by_runner(course)
    placed = {d.combination for d in race.dividends if d.bet_type == BetType.SIMPLE_PLACE and d.amount > 0}
    runners = []
    for index, row in enumerate(data["participants"], start=1):
        number = to_int(row.get("numPmu"), f"{name} runner #{index} numPmu", blank_ok=False)
        runner = _runner(row, number, race, arrival, incidents.get(number, ""))
        if placed and runner.status != RunnerStatus.NON_PARTANT:
            runner.placed = str(number) in placed
        runners.append(runner)
    return runners


def _incident_by_runner(course: dict) -> dict[int, str]:
    """The course's incidents per saddle number, for runners whose own record lacks them."""
    found = {}
    for incident in course.get("incidents") or []:
        for number in incident.get("numeroParticipants") or []:
            found[number] = str(incident.get("type") or "")
    return found


def _runner(row: dict, number: int, race: RacePayload, arrival: dict[int, int], incident: str) -> RunnerPayload:
    what = f"runner {number}"
    age = to_int(row.get("age"), f"{what} age")
    gains = (row.get("gainsParticipant") or {}).get("gainsCarriere")
    carried = row.get("poidsConditionMonte")
    allotted = row.get("handicapPoids")
    status = _runner_status(row, incident)
    position = arrival.get(number)
    if position is None and not arrival:
        position = to_int(row.get("ordreArrivee"), f"{what} ordreArrivee")
    elif position is None and row.get("ordreArrivee") is not None:
        # A trimmed ordreArrivee (the first three only) leaves later finishers to their own record.
        own = to_int(row.get("ordreArrivee"), f"{what} ordreArrivee")
        position = own if own and own > max(arrival.values()) else None
    extra = {
        key: row[key]
        for key in ("race", "pays", "proprietaire", "nombreCourses", "nombreVictoires", "nombrePlaces", "incident")
        if row.get(key) not in (None, "")
    }
    if allotted is not None and carried is not None:
        extra["handicap_weight_kg"] = str(_hectograms(allotted, f"{what} handicapPoids"))
    if isinstance(row.get("distanceChevalPrecedent"), dict):
        extra["distance_to_previous"] = row["distanceChevalPrecedent"].get("libelleCourt")
    return RunnerPayload(
        saddle_number=number,
        horse=_horse(row, number, race.date.year, age),
        jockey=person(row.get("driver") or row.get("jockey")),
        trainer=person(row.get("entraineur")),
        draw=to_int(row.get("placeCorde"), f"{what} placeCorde"),
        # poidsConditionMonte is the weight actually carried (after the rider's allowance or
        # overweight); handicapPoids the weight the conditions allot. Trot runners have only the latter.
        weight_kg=_hectograms(carried if carried is not None else allotted, f"{what} weight"),
        handicap_distance=to_int(row.get("handicapDistance"), f"{what} handicapDistance"),
        age=age,
        career_earnings=euros_from_cents(gains, f"{what} gainsCarriere"),
        musique=str(row.get("musique") or "")[:80],
        shoeing=_shoeing(row, race.discipline),
        equipment=str(row.get("oeilleres") or "")[:40],
        morning_odds=_odds(row.get("dernierRapportReference"), f"{what} dernierRapportReference"),
        final_odds=_odds(row.get("dernierRapportDirect"), f"{what} dernierRapportDirect"),
        status=status,
        position=position if status != RunnerStatus.NON_PARTANT else None,
        finish_time=_milliseconds(row.get("tempsObtenu"), f"{what} tempsObtenu"),
        reduction_km=_milliseconds(row.get("reductionKilometrique"), f"{what} reductionKilometrique"),
        extra=extra,
    )


def _horse(row: dict, number: int, year: int, age: int | None) -> HorseRef:
    name = str(row.get("nom") or "").strip()
    sire, dam = str(row.get("nomPere") or "").strip(), str(row.get("nomMere") or "").strip()
    # idCheval is "NAME-DAM-SIRE"; rebuilt the same way when a response leaves it out.
    source_id = str(row.get("idCheval") or (f"{name}-{dam}-{sire}" if name else "")).strip()
    if not source_id or not name:
        raise RejectRace(f"runner {number}: the horse has no idCheval or nom")
    return HorseRef(
        source_id=source_id[:120],
        name=name[:120],
        sex=SEXES.get(str(row.get("sexe") or "").upper(), Sex.UNKNOWN),
        birth_year=year - age if age else None,
        sire=sire[:120],
        dam=dam[:120],
    )


def person(name) -> PersonRef | None:
    """A PMU driver, jockey or trainer: known by name only, so the name is the id."""
    name = str(name or "").strip()
    return PersonRef(source_id=name[:120], name=name[:120]) if name else None


def _runner_status(row: dict, course_incident: str) -> str:
    if str(row.get("statut") or "").upper() == "NON_PARTANT" or course_incident == "NON_PARTANT":
        return RunnerStatus.NON_PARTANT
    incident = str(row.get("incident") or course_incident or "").upper()
    if not incident:
        return RunnerStatus.RUNNER
    if incident.startswith("DISQUALIFIE"):
        return RunnerStatus.DISQUALIFIED
    if incident.startswith("TOMBE"):
        return RunnerStatus.FELL
    # ARRETE (pulled up) and the rarer ones (RESTE_AU_POTEAU, DEROBE, ...): did not finish.
    return RunnerStatus.PULLED_UP


def _shoeing(row: dict, discipline: str) -> str:
    if row.get("deferre"):
        return str(row["deferre"])[:40]
    # Gallopers have no such notion as being shod or not.
    return SHOD if discipline in (Discipline.TROT_ATTELE, Discipline.TROT_MONTE) else ""


def _hectograms(value, name: str) -> Decimal | None:
    number = to_decimal(value, name, places=0)
    return None if number is None else (number / 10).quantize(Decimal("0.1"))


def euros_from_cents(value, name: str) -> Decimal | None:
    """PMU's money (in cents) in euros."""
    number = to_decimal(value, name, places=0)
    return None if number is None else (number / 100).quantize(Decimal("0.01"))


def _milliseconds(value, name: str) -> Decimal | None:
    number = to_decimal(value, name, places=0)
    return None if number is None or number <= 0 else (number / 1000).quantize(Decimal("0.01"))


def _odds(quote, name: str) -> Decimal | None:
    if not isinstance(quote, dict):
        return None
    odds = to_decimal(quote.get("rapport"), f"{name}.rapport")
    # 0 is PMU's "no quote yet"; decimal odds below 1 do not exist.
    return odds if odds is not None and odds >= 1 else None


# -- rapports ---------------------------------------------------------------------------------


def _bet_type(type_pari: str, libelle: str) -> str | None:
    """Our bet type for a PMU typePari (and libelle); None for the E_* pools we leave out."""
    if type_pari.startswith("E_"):
        return None
    if type_pari in BET_TYPES:
        return BET_TYPES[type_pari]
    for needle, bet_type in BY_LIBELLE.get(type_pari, ()):
        if needle in ascii_lower(libelle):
            return bet_type
    return BetType.OTHER


def dividend_amount(bet: dict, line: dict, name: str) -> Decimal:
    """What one line paid per 1 € staked, in euros."""
    unit = line.get("dividendeUnite") or bet.get("dividendeUnite")
    per_euro = to_decimal(line.get("dividendePourUnEuro"), f"{name} dividendePourUnEuro", places=0)
    if unit != "PourUneMiseDeBase":
        cents = per_euro if per_euro is not None else to_decimal(line.get("dividende"), name, places=0, blank_ok=False)
        return (cents / 100).quantize(Decimal("0.01"))
    # "PourUneMiseDeBase" (quinté+, 2sur4, multi): dividende is what one base stake returned and
    # miseBase is that stake, both in cents — so their ratio is euros returned per euro staked.
    # Quinté+ ordre: 12 635 140 c for a 200 c (2 €) base = 63 175.70 € per 1 €. PMU's own
    # dividendePourUnEuro (6 317 570 c) says the same; a disagreement means we misread the units.
    dividende = to_decimal(line.get("dividende"), f"{name} dividende", places=0, blank_ok=False)
    base = to_decimal(bet.get("miseBase"), f"{name} miseBase", places=0, blank_ok=False)
    if base <= 0:
        raise RejectRace(f"{name}: miseBase {base} is not positive")
    amount = (dividende / base).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if per_euro is not None and abs(per_euro / 100 - amount) >= Decimal("0.01"):
        raise RejectRace(f"{name}: dividende/miseBase = {amount} € but dividendePourUnEuro = {per_euro / 100} €")
    return amount


def build_dividends(data: list, name: str) -> list[DividendPayload]:
    """Every rapport line, refunds ("5-NP", paid 0 here) included, one per (bet type, combination)."""
    lines = []
    for bet in data:
        type_pari = str(bet.get("typePari") or "")
        for line in bet.get("rapports") or []:
            libelle = str(line.get("libelle") or "").strip()
            bet_type = _bet_type(type_pari, libelle)
            if bet_type is None:
                continue
            combination = str(line.get("combinaison") or "").strip()
            if not combination:
                raise RejectRace(f"{name}: a {type_pari} rapport has no combinaison")
            if bet_type == BetType.OTHER:
                combination = f"{type_pari} {combination}"
            amount = dividend_amount(bet, line, f"{name} {type_pari} {combination}")
            lines.append(DividendPayload(bet_type, combination, amount, libelle[:80]))
    return _distinct(lines)


def _distinct(lines: list[DividendPayload]) -> list[DividendPayload]:
    """Multi en 4/5/6/7 pay one combination four ways: tell those apart by their libelle."""
    keys = Counter((d.bet_type, d.combination) for d in lines)
    seen, kept = set(), []
    for line in lines:
        if keys[(line.bet_type, line.combination)] > 1 and line.label:
            line.combination = f"{line.combination} ({line.label})"[:60]
        key = (line.bet_type, line.combination, line.amount)
        if key not in seen:  # the very same rapport twice is one rapport
            seen.add(key)
            kept.append(line)
    return kept
