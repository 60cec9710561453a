"""My bets: a bet recorded from the race card in one POST, withdrawn before the off only, the P/L, ROI and equity
curve as the summary API computes them, the betting limits beside, and the limits' refusal next to the form."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from courses.models import Race, RaceStatus, Runner, Source
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import live_day, live_race
from wagering.models import UserBet
from wagering.services.bankroll import user_bet_create, user_bets_settle
from wagering.services.limits import betting_limits_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def race():
    """R1C1 tomorrow, still to come, priced and scored by the market baseline."""
    race = live_race(final=(6.0, 2.0, 4.0, 10.0))
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    return race


def card_url() -> str:
    return f"/races/R1C1/?date={live_day()}"


def form_fields(page: str, saddle: int) -> dict:
    """What the card's bet form on ``saddle`` sends as it is prefilled (the first bet type selected)."""
    form = re.search(rf'<form [^>]*data-bet-form="{saddle}">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'<input [^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    fields["bet_type"] = re.search(r'<select [^>]*name="bet_type"><option value="(\w+)"', form).group(1)
    return fields


def place(user, race, saddle=1, stake="10", odds="4", bet_type="simple_gagnant") -> UserBet:
    return user_bet_create(
        user=user, race_id=race.pk, saddle_number=saddle, bet_type=bet_type, stake=Decimal(stake), odds=Decimal(odds)
    )


def payload(page: str, name: str):
    return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_a_bet_is_recorded_from_the_race_card_in_one_post(client, free_user, race):
    client.force_login(free_user)
    page = client.get(card_url()).content.decode()
    fields = form_fields(page, 2)
    assert fields["stake"] == "2.00" and fields["odds"] == "2.00" and fields["bet_type"] == "simple_gagnant"
    assert fields["next"] == card_url()
    response = client.post("/bets/", fields)
    runner = race.runners.get(saddle_number=2)
    assert response.status_code == 302 and response["Location"] == f"{card_url()}#runner-{runner.pk}"
    bet = UserBet.objects.get(user=free_user)
    assert (bet.runner, bet.bet_type, bet.stake, bet.odds) == (runner, "simple_gagnant", Decimal("2"), Decimal("2"))
    back = client.get(response["Location"]).content.decode()
    assert "Recorded: Simple gagnant on n°2, 2.00 € at 2.00." in back
    assert "Recorded:" not in client.get(card_url()).content.decode()  # said once


def test_the_bet_forms_need_the_csrf_token(free_user, race):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(free_user)
    fields = form_fields(browser.get(card_url()).content.decode(), 2)
    assert browser.post("/bets/", {**fields, "csrfmiddlewaretoken": "forged"}).status_code == 403
    assert not UserBet.objects.exists()
    fields["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    assert browser.post("/bets/", fields).status_code == 302 and UserBet.objects.count() == 1


@pytest.mark.parametrize(
    "change, says",
    [
        ({"stake": "abc"}, "stake: must be a number, written in digits 0-9."),
        ({"stake": "0"}, "stake: Ensure this value is greater than or equal to 0.01."),
        ({"odds": ""}, "odds: must be a number, written in digits 0-9."),
    ],
)
def test_a_bad_field_is_said_next_to_its_form_never_a_500(client, free_user, race, change, says):
    client.force_login(free_user)
    fields = {**form_fields(client.get(card_url()).content.decode(), 3), **change}
    response = client.post("/bets/", fields)
    assert response["Location"].endswith(f"#runner-{race.runners.get(saddle_number=3).pk}")  # back to the form
    response = client.get(response["Location"].split("#")[0])
    assert response.status_code == 200 and not UserBet.objects.exists()
    form = re.search(r'<form [^>]*data-bet-form="3">(.*?)</form>', response.content.decode(), re.S).group(1)
    assert f'<p class="errorlist" data-form-notice>{says}</p>' in form


def test_a_bet_over_a_limit_is_refused_with_the_services_message_next_to_the_form(client, api, free_user, race):
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("5")})
    place(free_user, race, saddle=1, stake="4")
    body = {"race_id": race.pk, "saddle_number": 2, "bet_type": "simple_gagnant", "stake": "2.00", "odds": "2.00"}
    api_message = api.as_user(free_user).post("/api/v1/bets", body, format="json").json()["message"]
    assert api_message.startswith("This bet of 2.00 € would pass your limit")
    client.force_login(free_user)
    response = client.post("/bets/", form_fields(client.get(card_url()).content.decode(), 2), follow=True)
    form = re.search(r'<form [^>]*data-bet-form="2">(.*?)</form>', response.content.decode(), re.S).group(1)
    assert f'<p class="errorlist" data-form-notice>{api_message}</p>' in form
    assert UserBet.objects.count() == 1


def test_a_bet_is_withdrawn_before_the_off(client, free_user, race):
    bet = place(free_user, race)
    client.force_login(free_user)
    page = client.get("/bets/").content.decode()
    assert f'action="/bets/{bet.pk}/delete/"' in page
    response = client.post(f"/bets/{bet.pk}/delete/", {"next": "/bets/"}, follow=True)
    assert response.status_code == 200 and "Bet withdrawn." in response.content.decode()
    assert not UserBet.objects.filter(pk=bet.pk).exists()


def test_a_bet_cannot_be_withdrawn_after_the_off(client, free_user, race):
    bet = place(free_user, race)
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.RUNNING)
    client.force_login(free_user)
    assert f'action="/bets/{bet.pk}/delete/"' not in client.get("/bets/").content.decode()  # no button
    response = client.post(f"/bets/{bet.pk}/delete/", follow=True)
    assert "The race has started or is over: the bet can no longer be withdrawn." in response.content.decode()
    assert UserBet.objects.filter(pk=bet.pk).exists()


def test_another_users_bet_is_a_404(client, free_user, other_user, race):
    bet = place(other_user, race)
    client.force_login(free_user)
    assert client.post(f"/bets/{bet.pk}/delete/").status_code == 404
    assert client.get("/bets/").content.decode().count("data-bet=") == 0
    assert UserBet.objects.filter(pk=bet.pk).exists()
    assert client.get(f"/bets/{bet.pk}/delete/").status_code == 405


def test_the_equity_curve_and_figures_are_the_summary_apis(client, api, free_user, race):
    place(free_user, race, saddle=1, stake="10", odds="6")  # lost
    place(free_user, race, saddle=3, stake="10", odds="4", bet_type="simple_place")  # placed third of 4: lost
    place(free_user, race, saddle=2, stake="10", odds="4")  # won 40
    place(free_user, race, saddle=4, stake="5", odds="10")  # did not finish: lost
    Runner.objects.filter(race=race, saddle_number=2).update(position=1)
    Runner.objects.filter(race=race, saddle_number=1).update(position=2)
    Runner.objects.filter(race=race, saddle_number=3).update(position=3)
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.FINISHED)
    user_bets_settle()
    other = live_race(final=(3.0, 3.0), course=2)
    place(free_user, other, saddle=1, stake="5", odds="3")
    summary = api.as_user(free_user).get("/api/v1/bets/summary").json()
    client.force_login(free_user)
    page = client.get("/bets/").content.decode()
    curve = payload(page, "bets-equity")
    assert [point["y"] for point in curve] == [-10.0, -20.0, 10.0, 5.0]
    assert curve[-1]["y"] == summary["profit"] == 5.0
    assert len(curve) == summary["by_status"]["won"] + summary["by_status"]["lost"] + summary["by_status"]["refunded"]
    figures = dict(re.findall(r'<dd data-figure="(\w+)"[^>]*>([^<]+)</dd>', page))
    assert figures["profit"] == f"{summary['profit']:.2f} €" and figures["staked"] == f"{summary['staked']:.2f} €"
    assert figures["roi"] == f"{summary['roi'] * 100:.1f} %" and figures["open_stake"] == "5.00 €"
    assert figures["bets"] == str(summary["bets"]) == "5"
    assert 'id="bets-equity-chart" role="img"' in page and "ending at 5.00 €" in page


def test_the_betting_limits_are_shown_beside_with_what_is_left(client, free_user, race):
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("50")})
    place(free_user, race, stake="12.50")
    client.force_login(free_user)
    page = client.get("/bets/").content.decode()
    row = re.search(r'<tr data-limit="stake_day">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["50.00 €", "12.50 €", "37.50 €"]
    assert 'href="/account/#responsible"' in page


def test_the_list_filters_by_status_and_refuses_a_bad_filter_politely(client, free_user, race):
    place(free_user, race)
    client.force_login(free_user)
    assert client.get("/bets/", {"status": "won"}).content.decode().count("data-bet=") == 0
    assert client.get("/bets/", {"status": "open"}).content.decode().count("data-bet=") == 1
    response = client.get("/bets/", {"status": "nonsense"})
    assert response.status_code == 400 and "status" in response.content.decode()


def test_my_bets_runs_a_handful_of_queries_whatever_the_number_of_bets(
    client, free_user, race, django_assert_max_num_queries
):
    place(free_user, race)
    client.force_login(free_user)
    client.get("/bets/")  # the session and the user's snapshot are warm
    with django_assert_max_num_queries(9) as one:  # the gate's 4, the count, the bets, the summary, the limits (2)
        client.get("/bets/")
    for saddle in (2, 3, 4):
        place(free_user, race, saddle=saddle)
    with django_assert_max_num_queries(len(one)):
        page = client.get("/bets/").content.decode()
    assert page.count("data-bet=") == 4


def test_bets_on_the_demo_programme_are_labelled_synthetic_once(client, free_user, race):
    Race.objects.filter(pk=race.pk).update(source=Source.DEMO)
    place(free_user, race, saddle=1)
    place(free_user, race, saddle=2)
    client.force_login(free_user)
    assert client.get("/bets/").content.decode().count("Synthetic demo data</span>") == 1
    assert client.get(card_url()).content.decode().count("Synthetic demo data</span>") == 1
