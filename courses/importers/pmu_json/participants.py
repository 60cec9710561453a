"""The runners of a race from its participants file, and the PMU rules the PMU CSV importer shares."""

from __future__ import annotations

from decimal import Decimal

from courses.models import BetType, Discipline, RunnerStatus, Sex

from ..payloads import HorseRef, PersonRef, RacePayload, RejectRace, RunnerPayload
from ..rows import to_decimal, to_int
from .programme import arrival_positions

SEXES = {"HONGRES": Sex.GELDING, "FEMELLES": Sex.FEMALE, "MALES": Sex.MALE}
# PMU leaves deferre out for a trotter that runs fully shod (the CSV export leaves it blank).
SHOD = "FERRE"


def build_runners(data: dict, course: dict, race: RacePayload, name: str) -> list[RunnerPayload]:
    """The runners of a participants file, placed by the race's finishing order and simple-placé rapports."""
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
