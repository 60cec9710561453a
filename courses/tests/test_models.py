"""The data model's rules hold in the database itself, and races are addressed R-C on a date."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from courses.models import Meeting, Race, Runner
from courses.selectors import RaceAddressError, race_by_id, race_code_parse, race_get

from .factories import make_race

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code, expected", [("R1C3", (1, 3)), ("r1c3", (1, 3)), ("1-3", (1, 3)), ("r12c10", (12, 10))])
def test_it_reads_a_race_address(code, expected):
    assert race_code_parse(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "C3",
        "R1",
        "1-",
        "R0C1",
        "R1C0",
        "abc",
        "1-3-5",
        "R123C1",
        "42",
        "123",
        "R1-C3",
        "1 3",
        " 1-3",
        "01-3",
        "R1C3 ",
    ],
)
def test_it_refuses_anything_but_r1c3_or_1_3(code):
    with pytest.raises(RaceAddressError, match="is not a race address: write R1C3, r1c3 or 1-3"):
        race_code_parse(code)


def test_a_race_is_found_by_its_address_on_its_date():
    race = make_race(reunion=2, course=3)
    make_race(date=dt.date(2025, 11, 6), reunion=2, course=3, code="ENG")
    assert race_get(day=dt.date(2025, 11, 5), code="2-3") == race
    assert race.code == "R2C3"
    with pytest.raises(Race.DoesNotExist):
        race_get(day=dt.date(2025, 11, 5), code="2-4")


def test_a_race_is_found_by_its_id_with_its_runner_count():
    race = make_race(runners=3)
    assert race_by_id(race_id=race.pk) == race and race_by_id(race_id=race.pk).runner_count == 3
    with pytest.raises(Race.DoesNotExist, match=f"No race {race.pk + 1}."):
        race_by_id(race_id=race.pk + 1)


def test_there_is_one_race_per_date_reunion_and_course():
    race = make_race()
    with pytest.raises(IntegrityError), transaction.atomic():
        Race.objects.create(meeting=race.meeting, number=1, discipline="plat", distance=1000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(date=race.meeting.date, number=1, racecourse=race.meeting.racecourse)


def test_there_is_one_runner_per_saddle_number():
    race = make_race()
    runner = race.runners.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Runner.objects.create(race=race, horse=runner.horse, saddle_number=runner.saddle_number)


def test_positions_are_unique_except_in_a_dead_heat():
    race = make_race(runners=3)
    first, second, third = race.runners.order_by("saddle_number")
    Runner.objects.filter(pk=first.pk).update(position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Runner.objects.filter(pk=second.pk).update(position=1)
    Runner.objects.filter(pk__in=[first.pk, second.pk]).update(position=1, dead_heat=True)
    Runner.objects.filter(pk=third.pk).update(position=3)
    assert sorted(race.runners.values_list("position", flat=True)) == [1, 1, 3]


def test_odds_below_evens_are_refused_by_the_database():
    race = make_race(runners=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Runner.objects.filter(race=race).update(final_odds="0.50")
