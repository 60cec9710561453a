"""The public race card at ``/races/<code>/``: runners and odds for a visitor, the arrival and every rapport once
run, no probability; a logged-in user gets the full race card."""

import re
from decimal import Decimal

import pytest

from courses.models import BetType, Dividend, Race, RaceStatus, Runner, RunnerStatus
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import DAY, live_day, live_race, race_with

pytestmark = pytest.mark.django_db
URL = "/races/R1C1/"
ON_DAY = {"date": "2025-11-05"}


def saddles(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-saddle="(\d+)"', response.content.decode())]


@pytest.fixture
def finished():
    """R1C1 on DAY, run: 2 won from 1 and 4; 3 a non-partant; rapports of three bet types and a refund line."""
    race = race_with(final=(2.0, 3.5, None, 9.0), positions=(2, 1, None, 3), status=RaceStatus.FINISHED)
    Runner.objects.filter(race=race, saddle_number=3).update(status=RunnerStatus.NON_PARTANT)
    for bet_type, combination, amount in [
        (BetType.SIMPLE_GAGNANT, "2", "3.40"),
        (BetType.SIMPLE_PLACE, "2", "1.30"),
        (BetType.SIMPLE_PLACE, "1", "1.10"),
        (BetType.COUPLE_GAGNANT, "2-1", "4.80"),
        (BetType.TRIO, "2-1-4", "21.60"),
        (BetType.SIMPLE_GAGNANT, "NP", "1.00"),
    ]:
        Dividend.objects.create(race=race, bet_type=bet_type, combination=combination, amount=Decimal(amount))
    return race


def test_a_visitor_gets_the_runners_in_saddle_order_with_their_odds(client):
    live_race(final=(8.0, 2.5, 4.24))
    response = client.get(URL, {"date": str(live_day())})
    assert response.status_code == 200 and saddles(response) == [1, 2, 3]
    page = response.content.decode()
    assert "J. Doe" in page and "T. Roe" in page and "Horse " in page
    assert re.search(r'<tr data-saddle="3">.*?<td class="num">4[.,]2</td>', page, re.S)  # the cote, one decimal
    assert "data-arrival" not in page and "Rapports" not in page  # not run yet


def test_a_non_partant_is_struck(client, finished):
    page = client.get(URL, ON_DAY).content.decode()
    struck = re.search(r'<tr data-saddle="3" class="out">(.*?)</tr>', page, re.S).group(1)
    assert "<s>" in struck and "non-partant" in struck


def test_a_finished_race_shows_its_arrival_and_every_rapport(client, finished):
    page = client.get(URL, ON_DAY).content.decode()
    arrival = re.search(r"<ol class=\"arrival\" data-arrival>(.*?)</ol>", page, re.S).group(1)
    assert re.findall(r'data-saddle="(\d+)"', arrival) == ["2", "1", "4"]
    assert "Arrival (not yet official)" in page
    rapports = re.findall(r'<tr data-rapport="(\w+)"><td>([^<]+)</td><td>(.*?)</td><td class="num">([^<]+)</td>', page)
    paid = [(bet, combination, amount) for bet, _, combination, amount in rapports if "refund" not in combination]
    assert paid == [
        ("simple_gagnant", "2", "3.40 €"),
        ("simple_place", "1", "1.10 €"),
        ("simple_place", "2", "1.30 €"),
        ("couple_gagnant", "2-1", "4.80 €"),
        ("trio", "2-1-4", "21.60 €"),
    ]
    assert any(
        bet == "simple_gagnant" and "NP" in combination and "refund" in combination
        for bet, _, combination, _ in rapports
    )
    assert "Couplé gagnant" in page and "Trio" in page


def test_an_official_result_says_so(client, finished):
    Race.objects.filter(pk=finished.pk).update(results_official=True)
    page = client.get(URL, ON_DAY).content.decode()
    assert re.search(r'<h2 id="result">Arrival</h2>', page)


def test_a_visitor_never_sees_a_probability_of_a_scored_race(client, finished):
    predictions_score(start=DAY, end=DAY, model_version=model_version_active())  # the market's, walk-forward
    response = client.get(URL, ON_DAY)
    page = response.content.decode()
    assert " %" not in page.split("<footer")[0] and "data-runner" not in page
    assert all(
        set(runner) & {"win_probability", "place_probability"} == set() for runner in response.context["runners"]
    )


def test_a_logged_in_user_gets_the_full_race_card(client, premium_user, finished):
    predictions_score(start=DAY, end=DAY, model_version=model_version_active())
    client.force_login(premium_user)
    page = client.get(URL, ON_DAY).content.decode()
    assert 'data-basis="walk_forward"' in page and re.search(r"\d+\.\d %", page)  # lane "card"'s race.html


@pytest.mark.parametrize(
    "url, status, says",
    [
        ("/races/R9C9/?date=2025-11-05", 404, "No race R9C9 on 2025-11-05"),
        ("/races/banana/?date=2025-11-05", 400, "is not a race address"),
        ("/races/R1C1/?date=2025-02-30", 400, "February 2025 has 28 days"),
    ],
)
def test_a_bad_address_or_date_is_a_problem_page_never_a_500(client, finished, url, status, says):
    response = client.get(url)
    assert response.status_code == status and says in response.content.decode()


def test_the_public_card_runs_a_handful_of_queries(client, finished, django_assert_max_num_queries):
    client.get(URL, ON_DAY)
    # the race, its runners, its rapports, the plans
    with django_assert_max_num_queries(4):
        assert client.get(URL, ON_DAY).status_code == 200
