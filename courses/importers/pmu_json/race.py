"""One race of a programme as a payload, with its runners and rapports when their files were found."""

from __future__ import annotations

import datetime as dt

from courses.models import BetType, Discipline, RaceStatus, Source

from ..payloads import RacePayload, RejectRace
from ..rows import to_decimal, to_int
from .participants import build_runners
from .programme import Course, small_int
from .rapports import build_dividends, offered_bet_types

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
SURFACES = {"HERBE": "turf", "GAZON": "turf", "PSF": "all-weather", "SABLE": "sand", "CENDREE": "dirt"}


def build_race(item: Course) -> RacePayload:
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
    # Without its participants or rapports file (not found, not published yet) the race says nothing of its
    # runners or rapports: the writer keeps the ones it has.
    race.runners_known = item.participants is not None
    race.dividends_known = item.rapports is not None
    if item.rapports is not None:
        race.dividends = build_dividends(item.rapports.data, item.rapports.path.name)
        # Rapports *définitifs* of a race with its arrival: the result is official.
        race.results_official = race.status == RaceStatus.FINISHED and bool(race.dividends)
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
    if small_int(stamp) is None:
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


# PMU's course statut once the race is under way and before its arrival: DEPART_CONFIRME (the start is
# given), FIN_COURSE and ARRIVEE_PROVISOIRE (run, no arrival published yet); categorieStatut EN_COURS. Left out
# on purpose: DEPART_DANS_TROIS_MINUTES and ROUGE_AUX_PARTANTS (not off yet), COURSE_ARRETEE (stopped: the clock
# says "off" until PMU says more).
UNDER_WAY = frozenset({"DEPART_CONFIRME", "COURSE_LANCEE", "EN_COURS", "FIN_COURSE", "ARRIVEE_PROVISOIRE"})


def _race_status(course: dict) -> str:
    statut = str(course.get("statut") or "").upper()
    category = str(course.get("categorieStatut") or "").upper()
    if "ANNUL" in statut or "ANNUL" in category:
        return RaceStatus.CANCELLED
    if course.get("arriveeDefinitive") or course.get("ordreArrivee"):
        return RaceStatus.FINISHED
    if statut in UNDER_WAY or category in UNDER_WAY:
        return RaceStatus.RUNNING
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
    offered = {
        bet_type
        for bet in course.get("paris") or []
        for bet_type in offered_bet_types(str((bet or {}).get("typePari") or ""))
    }
    if offered:  # the pools sold on the race (our BetType codes), in BetType's order
        extra["bet_types"] = [bet_type for bet_type in BetType.values if bet_type in offered]
    if isinstance(reunion.get("meteo"), dict):
        extra["meteo"] = {k: reunion["meteo"].get(k) for k in ("temperature", "forceVent", "nebulositeLibelleCourt")}
    return extra
