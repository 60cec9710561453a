"""The race card's top combinations: the most likely tickets of the race's main combined bets from the API's own
selector, what came in after the race, the upgrade prompt for a plan without them, French and English."""

import re

import pytest

from courses.models import Race
from predictions.tests.factories import live_day, live_race, predict
from wagering.selectors.combinations import race_card_combinations
from wagering.tests.factories import market_version, pmu_r1c1

pytestmark = pytest.mark.django_db


def card(client, user, race: Race, language: str = "en"):
    client.force_login(user)
    return client.get(f"/races/{race.code}/", {"date": str(race.meeting.date)}, headers={"Accept-Language": language})


def sections(page: str) -> list[str]:
    return re.findall(r'<h3 data-bet-type="([a-z_]+)">', page)


def tickets(page: str) -> list[str]:
    return re.findall(r'<tr data-combination="([0-9-]+)"', page)


def test_a_premium_card_shows_the_top_five_of_the_types_the_race_paid_and_what_came_in(client, premium_user, data_dir):
    race = pmu_r1c1(data_dir)
    page = card(client, premium_user, race).content.decode()
    assert "Top combinations" in page and "data-combinations-locked" not in page
    # R1C1 paid couplé gagnant and trio (no tiercé, no quinté+): those two, five tickets each.
    assert sections(page) == ["couple_gagnant", "trio"]
    shown = tickets(page)
    assert len(shown) == 10
    # The same tickets, in the same order, as the API's selector gives.
    from predictions.selectors import race_card

    expected = race_card_combinations(card=race_card(day=race.meeting.date, code="R1C1"))
    assert shown == [t["combination"] for bet in expected for t in bet["combinations"]]
    # The top trio came in: marked, with its rapport; the paid line beneath.
    trio = page.split('data-bet-type="trio"')[1]
    assert re.search(r'<tr data-combination="3-7-9" class="top-pick">', trio)
    assert "came in" in trio and "€36.10" in trio
    # Its edge against the rapport définitif, as the API gives it: chance × rapport − 1.
    top = expected[1]["combinations"][0]
    assert top["edge"] == pytest.approx(top["probability"] * 36.10 - 1)
    shown_edge = re.search(r"<span data-edge>edge (-?\d+) %</span>", trio)
    assert shown_edge and int(shown_edge.group(1)) == round(top["edge"] * 100)
    assert "the edge of a ticket that came in" in page


def test_a_quinte_race_shows_its_quinte_tickets(client, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0))
    Race.objects.filter(pk=race.pk).update(is_quinte=True)
    predict(market_version(), race, (0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.04))
    page = card(client, premium_user, race).content.decode()
    assert sections(page) == ["couple_gagnant", "trio", "tierce_ordre", "quinte_desordre"]
    assert tickets(page)[:1] == ["1-2"] and "1-2-3-4-5" in tickets(page)
    assert "Outcome" not in page  # before the race


def test_a_race_that_is_no_quinte_shows_no_quinte(client, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0))
    predict(market_version(), race, [0.125] * 8)
    assert sections(card(client, premium_user, race).content.decode()) == ["couple_gagnant", "trio", "tierce_ordre"]


def test_the_free_plan_is_shown_what_opens_them(client, free_user, data_dir):
    race = pmu_r1c1(data_dir)
    page = card(client, free_user, race).content.decode()
    assert "data-combinations-locked" in page and "open from the Premium plan up" in page
    assert tickets(page) == []


def test_the_section_speaks_french_by_default(client, premium_user, data_dir):
    race = pmu_r1c1(data_dir)
    page = card(client, premium_user, race, language="fr").content.decode()
    assert "Top combinaisons" in page and "Rapport équitable" in page and "gagnante" in page
    assert "36,10\xa0€" in page


def test_the_premium_card_runs_a_handful_of_queries(client, premium_user, data_dir, django_assert_max_num_queries):
    race = pmu_r1c1(data_dir)
    card(client, premium_user, race)  # the session and the user's snapshot are warm
    # The gate's, the card's (race, runners, publications, version, its runners, odds, rapports), then the
    # combinations' two: the version's calibration and the rapports with their picks; the watchlist's stars (which of
    # the card's horses and whether the race the user follows) one more.
    with django_assert_max_num_queries(13):
        response = client.get("/races/R1C1/", {"date": str(race.meeting.date)})
    assert response.status_code == 200 and len(tickets(response.content.decode())) == 10


def test_a_live_day_card_still_answers_without_a_model(client, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0))
    page = card(client, premium_user, race).content.decode()
    assert "No prediction to price it from." in page
    assert race.meeting.date == live_day()
