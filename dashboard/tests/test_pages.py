"""The subscriber pages: the programme, race cards, picks, value bets and the account, gated as the API is."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import counters
from billing.models import Plan
from courses.models import Racecourse, RaceStatus, Runner, RunnerStatus, Source
from courses.tests.factories import make_race
from predictions.models import Prediction
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import DAY, live_day, live_race, model_version, predict, race_with

pytestmark = pytest.mark.django_db
BADGE = "Synthetic demo data"
# Each page beside the API endpoint that serves the same data (same feature, same selector).
PAGES = {
    "/?date=2025-11-05": "/api/v1/courses/today?date=2025-11-05",
    "/races/R1C1/?date=2025-11-05": "/api/v1/courses/1-1/predictions?date=2025-11-05",
    "/picks/?date=2025-11-05": "/api/v1/predictions/top3?date=2025-11-05",
    "/value-bets/?date=2025-11-05": "/api/v1/valuebets?date=2025-11-05",
}


@pytest.fixture
def card():
    """R1C1 on DAY, priced, scored by the market baseline."""
    race = race_with(final=(2.0, 3.5, 5.0, 8.0), status=RaceStatus.SCHEDULED)
    model_version_active()
    predictions_score(start=DAY, end=DAY)
    return race


def as_user(client, user):
    client.force_login(user)
    return client


def runners(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-runner="(\d+)"', response.content.decode())]


def row(response, race_code: str) -> str:
    """The programme's table row of one race."""
    return re.search(rf'<tr data-race="{race_code}">(.*?)</tr>', response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("page, endpoint", PAGES.items())
@pytest.mark.parametrize("persona", ["free", "premium", "pro"])
def test_a_page_opens_exactly_when_the_plans_api_does(client, api, personas, card, page, endpoint, persona):
    api_status = api.as_user(personas[persona]).get(endpoint).status_code
    cache.clear()  # the API call above used the day's top3 quota; give the page the same start
    response = as_user(client, personas[persona]).get(page)
    assert response.status_code == api_status
    if response.status_code == 403:
        assert "Premium" in response.content.decode() and "Upgrade to Premium" in response.content.decode()


def test_a_free_user_gets_the_upgrade_notice_where_the_api_answers_403(client, api, free_user, card):
    assert api.as_user(free_user).get("/api/v1/valuebets").status_code == 403
    response = as_user(client, free_user).get("/value-bets/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Value bets" in page and "Premium" in page and "You are on Free" in page
    assert "data-runner" not in page


def test_a_premium_user_sees_the_probabilities_on_the_race_card(client, premium_user, card):
    Prediction.objects.filter(runner__saddle_number=1).update(
        explanation=[
            {"feature": "rating", "label": "Rating vs the field", "contribution": 0.4},
            {"feature": "form", "label": "Recent form", "contribution": -0.1},
        ]
    )
    response = as_user(client, premium_user).get("/races/R1C1/", {"date": "2025-11-05"})
    assert response.status_code == 200
    page = response.content.decode()
    favourite = Prediction.objects.get(runner__saddle_number=1)
    assert f"{favourite.win_probability * 100:.1f} %" in page
    assert f"{favourite.place_probability * 100:.1f} %" in page
    assert "▲ Rating vs the field" in page and "▼ Recent form" in page
    assert runners(response) == list(card.runners.order_by("saddle_number").values_list("id", flat=True))


def test_the_race_card_page_shows_where_the_race_is_its_arrival_and_its_rapports(client, premium_user):
    race = race_with(final=(2.0, 3.5, 5.0), positions=(2, 1, None), win_rapports={2: "3.40"})
    Runner.objects.filter(race=race, saddle_number=3).update(status=RunnerStatus.NON_PARTANT, final_odds=None)
    predictions_score(start=DAY, end=DAY, model_version=model_version_active())  # a backfill: walk-forward
    page = as_user(client, premium_user).get("/races/R1C1/", {"date": "2025-11-05"}).content.decode()
    assert 'data-phase="finished"' in page and 'data-basis="walk_forward"' in page
    assert re.search(r"<p data-arrival>\s*2 – 1", page) and "non-partant: 3" in page
    assert re.search(r"<tr data-rapport><td>[^<]+</td><td>2</td><td class=\"num\">3.40</td>", page)
    assert "Arrival (not yet official)" in page


def test_a_race_to_come_has_no_result_on_its_page(client, premium_user):
    live_race(final=(2.0, 4.0, 4.0))
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    page = as_user(client, premium_user).get("/races/R1C1/", {"date": str(live_day())}).content.decode()
    assert 'data-phase="scheduled"' in page and 'data-basis="live"' in page and "data-arrival" not in page
    assert "50.0 %" in page


def test_the_picks_page_says_why_a_day_gone_off_has_no_picks(client, premium_user):
    version = model_version(active=True)
    predict(version, race_with(course=1, status=RaceStatus.SCHEDULED), (0.5, 0.3, 0.2))  # a past day
    response = as_user(client, premium_user).get("/picks/", {"date": "2025-11-05"})
    assert runners(response) == [] and "Left out: 1 race gone off." in response.content.decode()
    bets = as_user(client, premium_user).get("/value-bets/", {"date": "2025-11-05"})
    assert runners(bets) == [] and "Left out: 1 race gone off." in bets.content.decode()


def test_staff_closing_a_feature_in_the_plan_row_closes_the_page_too(client, api, free_user, card):
    free = Plan.objects.get(code="free")
    free.features = [f for f in free.features if f != "race_predictions"]
    free.save()
    assert api.as_user(free_user).get("/api/v1/courses/1-1/predictions?date=2025-11-05").status_code == 403
    response = as_user(client, free_user).get("/races/R1C1/", {"date": "2025-11-05"})
    assert response.status_code == 403
    assert "Premium" in response.content.decode() and runners(response) == []


def test_the_programme_is_grouped_by_reunion_with_each_races_header(client, free_user):
    first = make_race(date=DAY, reunion=1, course=1, code="VIN", runners=8)
    make_race(date=DAY, reunion=1, course=2, code="VIN", runners=6)
    make_race(date=DAY, reunion=2, course=1, code="CHA", runners=5)
    Runner.objects.filter(race=first, saddle_number=8).update(status=RunnerStatus.NON_PARTANT)
    response = as_user(client, free_user).get("/", {"date": "2025-11-05"})
    page = response.content.decode()
    assert re.findall(r'data-race="(R\d+C\d+)"', page) == ["R1C1", "R1C2", "R2C1"]
    assert page.index("R1 · Course VIN") < page.index("R1C2") < page.index("R2 · Course CHA")
    assert re.search(r'<td class="num">7</td>', row(response, "R1C1"))  # the non-partant is not counted
    assert "1600 m" in row(response, "R2C1") and "Plat" in row(response, "R2C1")
    assert BADGE not in page


def test_the_synthetic_badge_marks_demo_races_and_racecourses(client, free_user):
    make_race(date=DAY, reunion=1, course=1, code="DEMO-VIN", source=Source.DEMO)
    make_race(date=DAY, reunion=2, course=1, code="CHA")
    Racecourse.objects.filter(code="DEMO-VIN").update(source=Source.DEMO)
    response = as_user(client, free_user).get("/", {"date": "2025-11-05"})
    page = response.content.decode()
    notice = re.search(r"<p class=\"notice info\" data-synthetic>(.*?)</p>", page, re.S).group(1)
    assert "R1C1" in notice and "R2C1" not in notice
    assert page.count(BADGE) == 1  # once per page, not on every row
    card = as_user(client, free_user).get("/races/R1C1/", {"date": "2025-11-05"}).content.decode()
    assert BADGE in card
    assert BADGE not in as_user(client, free_user).get("/races/R2C1/", {"date": "2025-11-05"}).content.decode()


@pytest.mark.parametrize("page", ["/", "/races/R1C1/", "/picks/", "/value-bets/"])
@pytest.mark.parametrize(
    "date, says",
    [
        ("2025-02-30", "2025-02-30 is not a day: February 2025 has 28 days."),
        ("05/11/2025", "YYYY-MM-DD"),
        ("tomorrow", "YYYY-MM-DD"),
    ],
)
def test_a_bad_date_is_a_friendly_400_page(client, premium_user, page, date, says):
    response = as_user(client, premium_user).get(page, {"date": date})
    assert response.status_code == 400
    assert says in response.content.decode() and 'type="date"' in response.content.decode()


def test_an_emptied_calendar_means_today(client, free_user):
    response = as_user(client, free_user).get("/", {"date": ""})
    assert response.status_code == 200 and response.context["day"] == timezone.localdate()


def test_a_bad_date_costs_no_quota(client, free_user):
    assert as_user(client, free_user).get("/picks/", {"date": "nope"}).status_code == 400
    assert client.get("/picks/").status_code == 200


@pytest.mark.parametrize("code, says", [("R9C9", "No race R9C9 on 2025-11-05"), ("R1C2", "No race R1C2")])
def test_an_unknown_race_is_a_friendly_404_page(client, free_user, card, code, says):
    response = as_user(client, free_user).get(f"/races/{code}/", {"date": "2025-11-05"})
    assert response.status_code == 404
    assert says in response.content.decode()


@pytest.mark.parametrize("code", ["banana", "42", "R1-C1", "R0C1"])
def test_a_malformed_race_address_is_a_friendly_400_page(client, free_user, card, code):
    response = as_user(client, free_user).get(f"/races/{code}/", {"date": "2025-11-05"})
    assert response.status_code == 400
    assert "is not a race address: write R1C3, r1c3 or 1-3" in response.content.decode()


def test_an_unknown_path_is_an_html_404_and_api_paths_keep_the_envelope(client, free_user):
    response = as_user(client, free_user).get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
    api_response = client.get("/api/v1/no-such-endpoint")
    assert api_response.status_code == 404 and api_response.json()["status"] == "error"


def test_the_value_bets_page_lists_the_apis_value_bets(client, api, premium_user):
    version = model_version(active=True)
    for course, probabilities in enumerate([(0.5, 0.3, 0.2), (0.2, 0.2, 0.6), (0.34, 0.33, 0.33)], start=1):
        predict(version, live_race(course=course, final=(3.0, 3.0, 3.0)), probabilities)
    day = str(live_day())
    body = api.as_user(premium_user).get("/api/v1/valuebets", {"date": day, "limit": 100}).json()
    response = as_user(client, premium_user).get("/value-bets/", {"date": day})
    assert runners(response) == [bet["runner_id"] for bet in body["data"]]
    assert len(body["data"]) == 3  # R1C2 #3, R1C1 #1, R1C3 #1: EV 0.8, 0.5, 0.02
    stricter = as_user(client, premium_user).get("/value-bets/", {"date": day, "edge": "0.4"})
    api_stricter = api.get("/api/v1/valuebets", {"date": day, "edge": "0.4"}).json()
    assert runners(stricter) == [bet["runner_id"] for bet in api_stricter["data"]] and len(runners(stricter)) == 2


def test_the_picks_page_shows_the_apis_top3(client, api, premium_user):
    version = model_version(active=True)
    for course, probabilities in enumerate(
        [(0.5, 0.3, 0.2), (0.7, 0.2, 0.1), (0.4, 0.35, 0.25), (0.9, 0.05, 0.05)], start=1
    ):
        predict(version, live_race(course=course), probabilities)
    body = api.as_user(premium_user).get("/api/v1/predictions/top3", {"date": str(live_day())}).json()
    response = as_user(client, premium_user).get("/picks/", {"date": str(live_day())})
    assert runners(response) == [pick["runner_id"] for pick in body["data"]]
    assert "90.0 %" in response.content.decode()


def test_the_free_top3_quota_is_one_look_a_day_shared_with_the_api(client, api, free_user, card):
    key = counters.quota_key(free_user.pk, "top3")
    first = as_user(client, free_user).get("/picks/", {"date": "2025-11-05"})
    assert first.status_code == 200 and "1 time a day" in first.content.decode()
    assert counters.peek(key) == 1  # one look, one count
    assert api.as_user(free_user).get("/api/v1/predictions/top3").status_code == 429
    again = client.get("/picks/", {"date": "2025-11-05"})
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert "1 top3 call" in again.content.decode() and "Upgrade to Premium" in again.content.decode()
    assert runners(again) == []


def test_the_api_call_uses_the_quota_the_page_would(client, api, free_user, card):
    assert api.as_user(free_user).get("/api/v1/predictions/top3").status_code == 200
    assert as_user(client, free_user).get("/picks/").status_code == 429


def test_pages_do_not_count_against_the_plans_request_limit(client, api, free_user, card):
    Plan.objects.filter(code="free").update(requests_per_minute=2)
    for _ in range(3):  # the pages have their own limit (TURF_PAGE_RATE), apart from the plan's
        assert as_user(client, free_user).get("/", {"date": "2025-11-05"}).status_code == 200
    assert api.as_user(free_user).get("/api/v1/courses/today").status_code == 200
    assert api.get("/api/v1/courses/today").status_code == 200
    refused = api.get("/api/v1/courses/today")
    assert refused.status_code == 429 and "The Free plan allows 2 requests a minute" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get("/account/").status_code == 200  # reading one's usage is not a request against it


def test_the_account_page_shows_the_plan_its_features_and_todays_usage(client, api, free_user, card):
    as_user(client, free_user).get("/picks/")
    client.get("/")
    page = client.get("/account/").content.decode()
    me = api.as_user(free_user).get("/api/v1/auth/me").json()
    assert "Plan: Free" in page and "(€0 a month)" in page
    # The pages' views are not API requests (they have their own limit); the top3 quota is the plan's, shared.
    assert re.search(r"Requests today.*?<td class=\"num\">0</td>.*?<td class=\"num\">1000</td>", page, re.S)
    assert re.search(r"Top 3 picks of the day \(daily quota\).*?>1</td>.*?>1</td>", page, re.S)
    assert me["usage"]["requests_today"] == 1 and me["usage"]["quotas"]["top3"] == {"limit": 1, "used": 1}
    assert "Value bets" in page and "Premium" in page and "(yours)" in page


def test_the_programme_runs_a_fixed_number_of_queries(client, free_user):
    make_race(date=DAY, reunion=1, course=1)
    as_user(client, free_user).get("/", {"date": "2025-11-05"})  # the session and plan are warm
    with CaptureQueriesContext(connection) as one:
        client.get("/", {"date": "2025-11-05"})
    for course in range(2, 11):
        make_race(date=DAY, reunion=1 + course % 3, course=course, code=f"X{course % 3}")
    with CaptureQueriesContext(connection) as ten:
        response = client.get("/", {"date": "2025-11-05"})
    assert len(re.findall(r"data-race=", response.content.decode())) == 10
    assert len(ten) == len(one)


def test_a_day_with_no_races_says_so_and_links_the_next_day(client, free_user):
    response = as_user(client, free_user).get("/", {"date": "2025-11-05"})
    page = response.content.decode()
    assert response.status_code == 200 and "No races on this day" in page
    assert "?date=2025-11-06" in page and "?date=2025-11-04" in page
