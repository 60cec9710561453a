"""Hand-made races for tests: payloads for the writer and saved rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from courses.importers.payloads import DividendPayload, HorseRef, PersonRef, RacePayload, RunnerPayload
from courses.models import Discipline, Horse, Meeting, Race, Racecourse, Runner, Source


def runner_payload(saddle: int, *, position: int | None = None, odds: str | None = "5.0", **kwargs) -> RunnerPayload:
    return RunnerPayload(
        saddle_number=saddle,
        horse=HorseRef(source_id=f"h{saddle}", name=f"Horse {saddle}"),
        jockey=PersonRef(source_id=f"j{saddle}", name=f"Jockey {saddle}"),
        trainer=PersonRef(source_id="t1", name="Trainer One"),
        final_odds=Decimal(odds) if odds else None,
        position=position,
        **kwargs,
    )


def race_payload(
    *,
    source_id: str = "race-1",
    date: dt.date = dt.date(2025, 11, 5),
    course: str = "VIN",
    number: int = 1,
    meeting_number: int | None = None,
    positions: tuple = (1, 2, 3, 4),
    **kwargs,
) -> RacePayload:
    runners = [runner_payload(i + 1, position=p) for i, p in enumerate(positions)]
    return RacePayload(
        source=Source.MANUAL,
        source_id=source_id,
        location=f"test {source_id}",
        date=date,
        racecourse_code=course,
        racecourse_name=f"Course {course}",
        number=number,
        meeting_number=meeting_number,
        discipline=Discipline.TROT_ATTELE,
        distance=2700,
        runners=runners,
        dividends=[DividendPayload(bet_type="simple_gagnant", combination="1", amount=Decimal("3.10"))],
        **kwargs,
    )


def make_race(*, date=dt.date(2025, 11, 5), reunion=1, course=1, code="VIN", runners=4, source=Source.MANUAL) -> Race:
    racecourse, _ = Racecourse.objects.get_or_create(code=code, defaults={"name": f"Course {code}"})
    meeting, _ = Meeting.objects.get_or_create(
        date=date, number=reunion, defaults={"racecourse": racecourse, "source": source}
    )
    race = Race.objects.create(
        meeting=meeting,
        number=course,
        discipline=Discipline.PLAT,
        distance=1600,
        name=f"Prix {reunion}-{course}",
        source=source,
    )
    for saddle in range(1, runners + 1):
        horse = Horse.objects.create(name=f"Horse {race.pk}-{saddle}", source=source)
        Runner.objects.create(race=race, horse=horse, saddle_number=saddle, final_odds=Decimal("4.0"))
    return race
