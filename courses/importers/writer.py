"""The one place that writes imported races: atomic per race, idempotent, few queries.

``RaceWriter.write(payload)`` creates or updates one race with its meeting, runners,
horses, people and rapports inside a savepoint, so a race that breaks a rule is
rejected whole and the others go on. A second import of the same data changes nothing
and reports every race as unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DataError, IntegrityError, transaction

from courses.models import (
    SYNTHETIC_SOURCES,
    Dividend,
    Horse,
    Jockey,
    Meeting,
    Race,
    Racecourse,
    Runner,
    Trainer,
)
from turf.cache import answers_invalidate

from .payloads import HorseRef, PersonRef, RacePayload, RejectRace, RunnerPayload

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
MAX_ODDS = Decimal("1000000")  # the odds columns hold up to 999,999.99

RACE_FIELDS = (
    "name",
    "discipline",
    "distance",
    "going",
    "surface",
    "race_class",
    "prize",
    "currency",
    "start_time",
    "is_quinte",
    "status",
    "results_official",
    "declared_runners",
    "extra",
)
RUNNER_FIELDS = (
    "draw",
    "weight_kg",
    "handicap_distance",
    "age",
    "rating",
    "career_earnings",
    "musique",
    "shoeing",
    "equipment",
    "morning_odds",
    "final_odds",
    "final_place_odds",
    "rated_price",
    "status",
    "position",
    "placed",
    "finish_time",
    "reduction_km",
    "lengths_behind",
    "early_position",
    "last_section_time",
    "extra",
)
HORSE_FIELDS = ("name", "sex", "birth_year", "country", "sire", "dam")


@dataclass
class Counts:
    races: Counter = field(default_factory=Counter)
    runners: Counter = field(default_factory=Counter)
    dividends: Counter = field(default_factory=Counter)
    horses_created: int = 0


def validate(payload: RacePayload) -> None:
    """Rules a race must meet before anything is written; raises RejectRace."""
    if payload.number < 1:
        raise RejectRace(f"course number C{payload.number} must be 1 or more")
    if payload.meeting_number is not None and payload.meeting_number < 1:
        raise RejectRace(f"réunion number R{payload.meeting_number} must be 1 or more")
    if not payload.distance or payload.distance <= 0:
        raise RejectRace(f"distance {payload.distance!r} must be a positive number of metres")
    if not payload.racecourse_code:
        raise RejectRace("racecourse is missing")
    saddles = Counter(r.saddle_number for r in payload.runners)
    duplicates = sorted(n for n, c in saddles.items() if c > 1)
    if duplicates:
        raise RejectRace(f"saddle number {duplicates[0]} appears more than once")
    for runner in payload.runners:
        if runner.saddle_number is None or runner.saddle_number < 1:
            raise RejectRace(f"saddle number {runner.saddle_number!r} must be 1 or more")
        if runner.position is not None and runner.position < 1:
            raise RejectRace(f"runner {runner.saddle_number}: position {runner.position} must be 1 or more")
        for name in ("morning_odds", "final_odds", "final_place_odds", "rated_price"):
            odds = getattr(runner, name)
            if odds is not None and odds < 1:
                raise RejectRace(f"runner {runner.saddle_number}: {name} {odds} is below 1.0")
            if odds is not None and odds >= MAX_ODDS:
                raise RejectRace(f"runner {runner.saddle_number}: {name} {odds} is not a plausible price")
        if not runner.horse.source_id or not runner.horse.name:
            raise RejectRace(f"runner {runner.saddle_number}: the horse has no id or name")
    for dividend in payload.dividends:
        if dividend.amount is None or dividend.amount < 0:
            raise RejectRace(f"rapport {dividend.bet_type} {dividend.combination}: amount {dividend.amount!r}")
    keys = Counter((d.bet_type, d.combination) for d in payload.dividends)
    repeated = [k for k, c in keys.items() if c > 1]
    if repeated:
        raise RejectRace(f"rapport {repeated[0][0]} {repeated[0][1]} appears more than once")


def _dead_heats(runners: list[RunnerPayload]) -> set[int]:
    """Positions shared by more than one runner: the dead heats the source reported."""
    counts = Counter(r.position for r in runners if r.position is not None)
    return {position for position, count in counts.items() if count > 1}


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if a is None or b is None:
            return a is b
        return Decimal(a) == Decimal(b)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    return a == b


class RaceWriter:
    """Writes races of one source, caching the rows it has seen so each race costs few queries."""

    def __init__(self, source: str):
        self.source = source
        self.counts = Counts()
        self._racecourses: dict[str, int] = dict(Racecourse.objects.values_list("code", "id"))
        self._meetings_by_date: dict[dt.date, dict[int, tuple[int, int, str]]] = {}
        # (meeting id, C) -> (race id, source, source id), filled a date at a time with the meetings.
        self._slots: dict[tuple[int, int], tuple[int, str, str]] = {}
        self._races: dict[str, int] = dict(
            Race.objects.filter(source=source).exclude(source_id="").values_list("source_id", "id")
        )
        self._horses: dict[str, dict] = {
            row["source_id"]: row
            for row in Horse.objects.filter(source=source)
            .exclude(source_id="")
            .values("id", "source_id", *HORSE_FIELDS)
        }
        self._people = {
            Jockey: dict(Jockey.objects.filter(source=source).values_list("source_id", "id")),
            Trainer: dict(Trainer.objects.filter(source=source).values_list("source_id", "id")),
        }

    # -- public -----------------------------------------------------------------------------

    def write(self, payload: RacePayload) -> str:
        """Create or update one race atomically; returns created / updated / unchanged."""
        validate(payload)
        pending = _Pending()
        try:
            with transaction.atomic():
                outcome = self._write(payload, pending)
        except (IntegrityError, DataError) as exc:
            # A rule only the database checks (a constraint, a value too large for its column).
            raise RejectRace(f"database refused the race: {exc}".splitlines()[0][:300]) from None
        pending.commit_into(self)
        self.counts.races[outcome] += 1
        if outcome != "unchanged":
            answers_invalidate()  # the API's cached answers showed the race as it was
        return outcome

    # -- internals --------------------------------------------------------------------------

    def _write(self, payload: RacePayload, pending: _Pending) -> str:
        racecourse_id = self._racecourse(payload, pending)
        meeting_id = self._meeting(payload, racecourse_id, pending)
        race_values = {name: getattr(payload, name) for name in RACE_FIELDS}
        if payload.results_official is None:  # the source does not say: the stored value stays
            del race_values["results_official"]

        race_id = self._races.get(payload.source_id) if payload.source_id else None
        if race_id is None:
            self._meetings_on(payload.date)  # loads the date's race slots too
            clash = pending.slots.get((meeting_id, payload.number)) or self._slots.get((meeting_id, payload.number))
            if clash is not None:
                clash_id, clash_source, clash_source_id = clash
                if clash_source == self.source and (not payload.source_id or clash_source_id == payload.source_id):
                    race_id = clash_id
                else:
                    raise RejectRace(
                        f"C{payload.number} of that réunion is already race "
                        f"{clash_source}:{clash_source_id or clash_id}"
                    )
        if race_id is None:
            race = Race.objects.create(
                meeting_id=meeting_id,
                number=payload.number,
                source=self.source,
                source_id=payload.source_id,
                **race_values,
            )
            pending.races[payload.source_id] = race.id
            pending.slots[(meeting_id, payload.number)] = (race.id, self.source, payload.source_id)
            if payload.runners_known:
                self._write_runners(race.id, payload, existing={}, pending=pending)
            if payload.dividends_known:
                self._write_dividends(race.id, payload, existing=set(), pending=pending)
            return CREATED

        race = Race.objects.get(pk=race_id)
        changed = [name for name, value in race_values.items() if not _same(getattr(race, name), value)]
        if race.meeting_id != meeting_id or race.number != payload.number:
            race.meeting_id, race.number = meeting_id, payload.number
            changed += ["meeting", "number"]
            pending.slots[(meeting_id, payload.number)] = (race.id, self.source, payload.source_id)
        if changed:
            for name in changed:
                if name in race_values:
                    setattr(race, name, race_values[name])
            race.save(update_fields=[*changed, "updated_at"])
        # Runners or rapports the source did not give this time are left as they are, never taken for "none".
        runners_changed = dividends_changed = False
        if payload.runners_known:
            existing_runners = {r.saddle_number: r for r in Runner.objects.filter(race_id=race.id)}
            runners_changed = self._write_runners(race.id, payload, existing=existing_runners, pending=pending)
        if payload.dividends_known:
            existing_dividends = set(
                Dividend.objects.filter(race_id=race.id).values_list("bet_type", "combination", "amount", "label")
            )
            dividends_changed = self._write_dividends(race.id, payload, existing=existing_dividends, pending=pending)
        return UPDATED if (changed or runners_changed or dividends_changed) else UNCHANGED

    def _racecourse(self, payload: RacePayload, pending: _Pending) -> int:
        code = payload.racecourse_code
        found = self._racecourses.get(code) or pending.racecourses.get(code)
        if found:
            return found
        racecourse, _ = Racecourse.objects.get_or_create(
            code=code,
            defaults={"name": payload.racecourse_name or code, "country": payload.country, "source": self.source},
        )
        pending.racecourses[code] = racecourse.id
        return racecourse.id

    def _meetings_on(self, date: dt.date) -> dict[int, tuple[int, int, str]]:
        """R number -> (meeting id, racecourse id, source) for every meeting on the date."""
        if date not in self._meetings_by_date:
            self._meetings_by_date[date] = {
                number: (pk, racecourse_id, source)
                for pk, number, racecourse_id, source in Meeting.objects.filter(date=date).values_list(
                    "id", "number", "racecourse_id", "source"
                )
            }
            for pk, meeting_id, number, source, source_id in Race.objects.filter(meeting__date=date).values_list(
                "id", "meeting_id", "number", "source", "source_id"
            ):
                self._slots[(meeting_id, number)] = (pk, source, source_id)
        return self._meetings_by_date[date]

    def _meeting(self, payload: RacePayload, racecourse_id: int, pending: _Pending) -> int:
        on_date = {**self._meetings_on(payload.date), **pending.meetings.get(payload.date, {})}
        ours = [
            (number, pk)
            for number, (pk, course, source) in on_date.items()
            if course == racecourse_id and source == self.source
        ]
        wanted = payload.meeting_number
        if wanted is not None:
            if wanted in on_date and on_date[wanted][2] in SYNTHETIC_SOURCES and self.source not in SYNTHETIC_SOURCES:
                # Real data keeps its own réunion number: the synthetic demo meeting moves aside.
                moved_to = max(on_date) + 1
                self._renumber(payload.date, wanted, moved_to, on_date[wanted], pending)
                on_date[moved_to] = on_date.pop(wanted)
            if wanted in on_date:
                pk, course, source = on_date[wanted]
                if course == racecourse_id and source == self.source:
                    return pk
                raise RejectRace(
                    f"R{wanted} on {payload.date} is already another réunion ({source}, racecourse id {course})"
                )
            if ours:
                return ours[0][1]
            number = wanted
        else:
            if ours:
                return min(ours)[1]
            if self.source not in SYNTHETIC_SOURCES:
                # A source without réunion numbers joins the real meeting another source already holds
                # at this racecourse on this day, so one race is never stored twice under two addresses.
                shared = sorted(
                    (number, pk)
                    for number, (pk, course, source) in on_date.items()
                    if course == racecourse_id and source not in SYNTHETIC_SOURCES
                )
                if shared:
                    return shared[0][1]
            number = max(on_date, default=0) + 1
        meeting = Meeting.objects.create(
            date=payload.date, number=number, racecourse_id=racecourse_id, source=self.source
        )
        pending.meetings.setdefault(payload.date, {})[number] = (meeting.id, racecourse_id, self.source)
        return meeting.id

    def _renumber(self, date: dt.date, old: int, new: int, row: tuple[int, int, str], pending: _Pending) -> None:
        Meeting.objects.filter(pk=row[0]).update(number=new)
        pending.moved.append((date, old, new, row))

    def _horse_id(self, ref: HorseRef, pending: _Pending) -> int:
        known = pending.horses.get(ref.source_id) or self._horses.get(ref.source_id)
        values = {name: getattr(ref, name) for name in HORSE_FIELDS}
        if known is None:
            horse = Horse.objects.create(source=self.source, source_id=ref.source_id, **values)
            pending.horses[ref.source_id] = {"id": horse.id, "source_id": ref.source_id, **values}
            pending.counts.horses_created += 1
            return horse.id
        # Later sources may know more (a sex, a birth year): fill blanks, never erase.
        update = {
            name: value
            for name, value in values.items()
            if value not in (None, "", "unknown") and known.get(name) != value
        }
        if update:
            Horse.objects.filter(pk=known["id"]).update(**update)
            pending.horses[ref.source_id] = {**known, **update}
        return known["id"]

    def _person_id(self, model, ref: PersonRef | None, pending: _Pending) -> int | None:
        if ref is None or not ref.source_id:
            return None
        cache = self._people[model]
        found = cache.get(ref.source_id) or pending.people[model].get(ref.source_id)
        if found:
            return found
        person = model.objects.create(source=self.source, source_id=ref.source_id, name=ref.name or ref.source_id)
        pending.people[model][ref.source_id] = person.id
        return person.id

    def _create_new_horses(self, payload: RacePayload, pending: _Pending) -> None:
        """Insert the race's unknown horses in one statement (a new meeting brings many at once)."""
        new = {}
        for item in payload.runners:
            ref = item.horse
            if ref.source_id not in new and not (pending.horses.get(ref.source_id) or self._horses.get(ref.source_id)):
                new[ref.source_id] = Horse(
                    source=self.source, source_id=ref.source_id, **{n: getattr(ref, n) for n in HORSE_FIELDS}
                )
        if not new:
            return
        for horse in Horse.objects.bulk_create(list(new.values())):
            pending.horses[horse.source_id] = {
                "id": horse.id,
                "source_id": horse.source_id,
                **{n: getattr(horse, n) for n in HORSE_FIELDS},
            }
        pending.counts.horses_created += len(new)

    def _write_runners(self, race_id: int, payload: RacePayload, *, existing: dict, pending: _Pending) -> bool:
        dead_heats = _dead_heats(payload.runners)
        self._create_new_horses(payload, pending)
        to_create, to_update, changed_fields = [], [], set()
        for item in payload.runners:
            values = {name: getattr(item, name) for name in RUNNER_FIELDS}
            if not payload.dividends_known and item.placed is None:
                # "placed" is read from the simple-placé rapports: without them it stays as stored.
                del values["placed"]
            values["dead_heat"] = item.position in dead_heats
            values["horse_id"] = self._horse_id(item.horse, pending)
            values["jockey_id"] = self._person_id(Jockey, item.jockey, pending)
            values["trainer_id"] = self._person_id(Trainer, item.trainer, pending)
            current = existing.pop(item.saddle_number, None)
            if current is None:
                to_create.append(Runner(race_id=race_id, saddle_number=item.saddle_number, **values))
                continue
            diff = [name for name, value in values.items() if not _same(getattr(current, name), value)]
            if diff:
                for name in diff:
                    setattr(current, name, values[name])
                changed_fields.update(diff)
                to_update.append(current)
        removed = list(existing.values())
        if removed:
            Runner.objects.filter(pk__in=[r.pk for r in removed]).delete()
        if to_update:
            # Clear positions first so a re-ordered result never trips the unique position rule midway.
            if "position" in changed_fields or "dead_heat" in changed_fields:
                Runner.objects.filter(pk__in=[r.pk for r in to_update]).update(position=None, dead_heat=False)
                changed_fields.update({"position", "dead_heat"})
            Runner.objects.bulk_update(to_update, sorted(changed_fields))
        if to_create:
            Runner.objects.bulk_create(to_create)
        pending.counts.runners[CREATED] += len(to_create)
        pending.counts.runners[UPDATED] += len(to_update)
        pending.counts.runners["deleted"] += len(removed)
        return bool(to_create or to_update or removed)

    def _write_dividends(self, race_id: int, payload: RacePayload, *, existing: set, pending: _Pending) -> bool:
        wanted = {(d.bet_type, d.combination, d.amount, d.label) for d in payload.dividends}
        if _same_dividends(existing, wanted):
            return False
        if existing:  # a race without rapports yet (every new one) has none to delete
            Dividend.objects.filter(race_id=race_id).delete()
        Dividend.objects.bulk_create(
            [
                Dividend(race_id=race_id, bet_type=t, combination=c, amount=a, label=label)
                for (t, c, a, label) in sorted(wanted, key=lambda row: (row[0], row[1]))
            ]
        )
        pending.counts.dividends[CREATED] += len(wanted)
        pending.counts.dividends["deleted"] += len(existing)
        return True


def _same_dividends(existing: set, wanted: set) -> bool:
    def norm(rows):
        return {(t, c, Decimal(a).quantize(Decimal("0.01")), label) for (t, c, a, label) in rows}

    return norm(existing) == norm(wanted)


class _Pending:
    """Rows created inside the current race's savepoint; kept only if the race commits."""

    def __init__(self):
        self.racecourses: dict[str, int] = {}
        self.meetings: dict[dt.date, dict[int, tuple[int, int, str]]] = {}
        self.races: dict[str, int] = {}
        self.horses: dict[str, dict] = {}
        self.people = {Jockey: {}, Trainer: {}}
        self.slots: dict[tuple[int, int], tuple[int, str, str]] = {}
        self.counts = Counts()
        self.moved: list[tuple[dt.date, int, int, tuple[int, int, str]]] = []

    def commit_into(self, writer: RaceWriter) -> None:
        for date, old, new, row in self.moved:
            meetings = writer._meetings_on(date)
            meetings.pop(old, None)
            meetings[new] = row
        writer.counts.horses_created += self.counts.horses_created
        for name in ("runners", "dividends"):
            getattr(writer.counts, name).update(getattr(self.counts, name))
        writer._slots.update(self.slots)
        writer._racecourses.update(self.racecourses)
        for date, rows in self.meetings.items():
            writer._meetings_on(date).update(rows)
        writer._races.update({k: v for k, v in self.races.items() if k})
        writer._horses.update(self.horses)
        for model, rows in self.people.items():
            writer._people[model].update(rows)
