"""The public programme at ``/``: open without logging in, today's races by code, no probability for a visitor."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Plan
from courses.models import Race, RaceStatus, Runner, RunnerStatus, Source
from courses.tests.factories import make_race
from predictions.tests.factories import live_race, model_version, predict

pytestmark = pytest.mark.django_db
BADGE = "Synthetic demo data"


def row(response, code: str) -> str:
    return re.search(rf'<tr data-race="{code}">(.*?)</tr>', response.content.decode(), re.S).group(1)


def codes(response) -> list[str]:
    return re.findall(r'<tr data-race="(R\d+C\d+)">', response.content.decode())


@pytest.fixture
def today():
    """Today's programme: two réunions, R1 with three races, R2 with one."""
    day = timezone.localdate()
    for reunion, course, code in [(1, 1, "VIN"), (1, 2, "VIN"), (1, 3, "VIN"), (2, 1, "CHA")]:
        make_race(date=day, reunion=reunion, course=course, code=code, runners=6)
    return day


def test_it_answers_without_login_and_lists_todays_races_by_code(client, today):
    response = client.get("/")
    assert response.status_code == 200
    assert codes(response) == ["R1C1", "R1C2", "R1C3", "R2C1"]
    page = response.content.decode()
    assert page.index("R1 · Course VIN") < page.index("R1C3") < page.index("R2 · Course CHA")
    assert 'href="/races/R1C2/?date=' + today.isoformat() in page


def test_each_race_shows_time_discipline_distance_runners_and_prize(client, today):
    race = Race.objects.get(meeting__date=today, meeting__number=1, number=2)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(13, 50)))
    Race.objects.filter(pk=race.pk).update(start_time=start, prize=Decimal("85000"))
    Runner.objects.filter(race=race, saddle_number=6).update(status=RunnerStatus.NON_PARTANT)
    cells = row(client.get("/"), "R1C2")
    assert "13:50" in cells and "Plat" in cells and "1600 m" in cells
    assert re.search(r'<td class="num">5</td>', cells)  # the non-partant does not count
    assert re.search(r"85(\s|&nbsp;|\u00a0|\u202f|,)000&nbsp;€", cells)


def test_the_quinte_is_flagged_and_only_it(client, today):
    Race.objects.filter(meeting__date=today, meeting__number=1, number=3).update(is_quinte=True)
    response = client.get("/")
    assert "data-quinte" in row(response, "R1C3") and "Quinté+" in row(response, "R1C3")
    assert all("data-quinte" not in row(response, code) for code in ("R1C1", "R1C2", "R2C1"))


def test_each_race_says_whether_it_is_to_come_off_or_has_a_result(client, today):
    now = timezone.now()
    races = Race.objects.filter(meeting__date=today)
    races.filter(meeting__number=1, number=1).update(start_time=now + dt.timedelta(hours=2))
    races.filter(meeting__number=1, number=2).update(start_time=now - dt.timedelta(minutes=2))
    races.filter(meeting__number=1, number=3).update(status=RaceStatus.FINISHED, start_time=now - dt.timedelta(hours=1))
    races.filter(meeting__number=2).update(status=RaceStatus.CANCELLED)
    response = client.get("/")
    states = {code: re.search(r'data-state="(\w+)"', row(response, code)).group(1) for code in codes(response)}
    assert states == {"R1C1": "to_come", "R1C2": "off", "R1C3": "result", "R2C1": "cancelled"}
    assert f"/races/R1C3/?date={today.isoformat()}#result" in row(response, "R1C3")


def test_a_visitor_is_told_what_each_plan_opens_from_the_plan_rows(client, today):
    Plan.objects.filter(code="premium").update(name="Premium Gold", monthly_price=Decimal("24.50"))
    page = client.get("/").content.decode()
    assert "create a free account" in page and 'href="/signup/"' in page
    premium = re.search(r'<li data-plan="premium">(.*?)</li>', page, re.S).group(1)
    assert "Premium Gold" in premium and "24.5" in premium and "Value bets" in premium
    assert "everything in Free" in premium
    free = re.search(r'<li data-plan="free">(.*?)</li>', page, re.S).group(1)
    assert "A race&#x27;s predictions" in free and "Top 3 picks of the day (1 a day)" in free


def test_a_visitor_sees_no_probability_nor_pick(client):
    race = live_race(final=(2.0, 4.0, 8.0))
    predict(model_version(active=True), race, (0.4371, 0.3517, 0.2112))
    day = race.meeting.date.isoformat()
    for url in (f"/?date={day}", f"/races/R1C1/?date={day}"):
        page = client.get(url).content.decode()
        assert "R1C1" in page
        for p in ("43.7", "43,7", "35.2", "35,2", "0.4371", "87.4", "87,4"):  # win and place, either locale
            assert p not in page, (url, p)
        assert "data-runner" not in page and "top-pick" not in page


def test_a_logged_in_user_sees_the_programme_with_links_to_the_race_cards_and_their_plan(client, free_user, today):
    client.force_login(free_user)
    response = client.get("/")
    assert response.status_code == 200 and codes(response) == ["R1C1", "R1C2", "R1C3", "R2C1"]
    page = response.content.decode()
    assert re.search(r'<li data-plan="free">.*?your plan', page, re.S)
    assert "create a free account" not in page and 'href="/account/"' in page


def test_synthetic_demo_data_is_labelled_once_per_page(client):
    day = timezone.localdate()
    for course in (1, 2, 3):
        make_race(date=day, reunion=1, course=course, code="DEMO-VIN", source=Source.DEMO)
    page = client.get("/").content.decode()
    assert page.count(BADGE) == 1 and "Every race of this day is generated" in page
    assert client.get("/races/R1C2/").content.decode().count(BADGE) == 1


def test_real_races_carry_no_synthetic_label(client, today):
    assert BADGE not in client.get("/").content.decode()


def test_the_day_picker_moves_a_day_back_and_forth(client, today):
    make_race(date=today + dt.timedelta(days=1), reunion=3, course=1, code="PAU")
    page = client.get("/").content.decode()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert f"?date={(today - dt.timedelta(days=1)).isoformat()}" in page and f"?date={tomorrow}" in page
    assert codes(client.get("/", {"date": tomorrow})) == ["R3C1"]


@pytest.mark.parametrize("date", ["2025-02-30", "tomorrow"])
def test_a_bad_date_is_a_400_page_for_a_visitor_too(client, date):
    response = client.get("/", {"date": date})
    assert response.status_code == 400 and 'type="date"' in response.content.decode()


# A visitor: the races, the plans; logged in, also the session, the user and its subscription (the plan gate's).
@pytest.mark.parametrize("persona, queries", [("anonymous", 2), ("free", 5)])
def test_the_programme_runs_a_handful_of_queries_whatever_the_number_of_races(
    client, personas, persona, queries, django_assert_max_num_queries
):
    day = timezone.localdate()
    make_race(date=day, reunion=1, course=1)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    client.get("/")  # the session and the user's snapshot are warm
    for course in range(2, 13):
        make_race(date=day, reunion=1 + course % 3, course=course, code=f"X{course % 3}")
    with django_assert_max_num_queries(queries):
        response = client.get("/")
    assert len(codes(response)) == 12


def test_a_plan_that_does_not_open_all_of_the_one_below_lists_its_own_features(client):
    Plan.objects.filter(code="premium").update(features=["valuebets"])
    premium = re.search(r'<li data-plan="premium">(.*?)</li>', client.get("/").content.decode(), re.S).group(1)
    assert "everything in" not in premium and "Value bets" in premium and "Top 3" not in premium
