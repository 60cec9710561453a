"""The logged-in race card: the runners by the model's chance (saddle order on request), the probability bars
beside the market's, the odds of the day per runner, non-partants struck, the arrival and every rapport."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import BetType, Dividend, OddsSnapshot, Race, RaceStatus, Runner, RunnerStatus
from predictions.models import Prediction
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import live_day, live_race, race_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def race():
    """R1C1 tomorrow, still to come, priced so the market's order is saddle 2, 3, 1, 4; scored by the market
    baseline (the active version)."""
    race = live_race(final=(6.0, 2.0, 4.0, 10.0))
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    return race


def card(client, user, race=None, **query):
    client.force_login(user)
    return client.get("/races/R1C1/", {"date": str(race.meeting.date if race else live_day()), **query})


def saddles(response) -> list[int]:
    """The saddle numbers of the card's rows, top to bottom."""
    page = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'data-runner="(\d+)"', page)]
    numbers = dict(Runner.objects.filter(pk__in=ids).values_list("pk", "saddle_number"))
    return [numbers[pk] for pk in ids]


def payload(response, name: str):
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else None


def test_the_runners_come_by_the_models_chance_and_in_saddle_order_on_request(client, free_user, race):
    by_chance = card(client, free_user)
    assert by_chance.status_code == 200
    assert saddles(by_chance) == [2, 3, 1, 4]
    assert 'data-order="chance"' in by_chance.content.decode() and "order=saddle" in by_chance.content.decode()
    by_saddle = client.get("/races/R1C1/", {"date": str(live_day()), "order": "saddle"})
    assert saddles(by_saddle) == [1, 2, 3, 4]
    assert 'data-order="saddle"' in by_saddle.content.decode()
    assert saddles(client.get("/races/R1C1/", {"date": str(live_day()), "order": "nonsense"})) == [2, 3, 1, 4]


def test_the_bars_and_the_models_chart_carry_the_predictions_against_the_market(client, free_user, race):
    response = card(client, free_user)
    page = response.content.decode()
    predictions = {p.runner.saddle_number: p for p in Prediction.objects.select_related("runner")}
    chart = payload(response, "card-probabilities")
    assert [row["saddle"] for row in chart] == [2, 3, 1, 4]
    for row in chart:
        prediction = predictions[row["saddle"]]
        assert row["win"] == pytest.approx(prediction.win_probability)
        assert row["place"] == pytest.approx(prediction.place_probability)
        assert row["market"] == pytest.approx(prediction.market_probability)
    favourite = predictions[2]
    assert f'<meter class="win" min="0" max="1" value="{favourite.win_probability:.4f}"' in page
    assert f'<meter class="place" min="0" max="1" value="{favourite.place_probability:.4f}"' in page
    assert f'<meter class="market" min="0" max="1" value="{favourite.market_probability:.4f}"' in page
    assert 'id="card-probabilities-chart" role="img"' in page and "aria-label=" in page
    assert "dashboard/vendor/chartjs/chart.umd.min.js" in page and "dashboard/card.js" in page
    assert ' style="' not in page and "onclick" not in page  # the CSP: no inline style, no inline handler


def test_each_runner_shows_its_odds_of_the_day_from_the_feeds_snapshots(client, free_user, race):
    runners = {r.saddle_number: r for r in race.runners.all()}
    morning = timezone.now() - dt.timedelta(hours=3)
    for minutes, odds in ((0, "3.00"), (60, "2.50"), (120, "2.00")):
        OddsSnapshot.objects.create(
            runner=runners[2], taken_at=morning + dt.timedelta(minutes=minutes), odds=Decimal(odds), morning=not minutes
        )
    OddsSnapshot.objects.create(runner=runners[1], taken_at=morning, odds=Decimal("6.00"), morning=True)
    response = card(client, free_user)
    movement = payload(response, "odds-movement")
    assert set(movement) == {str(runners[2].pk), str(runners[1].pk)}
    assert [point["y"] for point in movement[str(runners[2].pk)]] == [3.0, 2.5, 2.0]
    assert movement[str(runners[2].pk)][0]["x"] == morning.isoformat()
    assert [point["y"] for point in movement[str(runners[1].pk)]] == [6.0]
    page = response.content.decode()
    assert 'aria-label="Odds from 3.0 to 2.0 (3 quotes)"' in page and "3.0 → 2.0" in page  # cotes: one decimal
    assert 'aria-label="Odds from 6.0 to 6.0 (1 quote)"' in page  # a single quote: its single value
    row_of_4 = re.search(rf'<tr id="runner-{runners[4].pk}".*?</tr>', page, re.S).group(0)
    assert "data-spark" not in row_of_4  # never snapshotted: a dash, no chart


def test_a_non_partant_is_struck_and_cannot_be_bet_on(client, free_user):
    race = live_race(final=(6.0, 2.0, None, 10.0), statuses=["runner", "runner", RunnerStatus.NON_PARTANT, "runner"])
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    response = card(client, free_user)
    page = response.content.decode()
    scratched = race.runners.get(saddle_number=3)
    row = re.search(rf'<tr id="runner-{scratched.pk}"[^>]*class="([^"]*)">(.*?)</tr>', page, re.S)
    assert "out" in row.group(1).split()
    assert f"<del>{scratched.horse.name}</del>" in row.group(2) and "non-partant" in row.group(2)
    assert saddles(response)[-1] == 3  # no chance: after the runners
    assert 'data-bet-form="3"' not in page and 'data-bet-form="2"' in page


def test_after_the_race_the_card_shows_the_arrival_and_the_rapports_of_every_bet_type(client, free_user):
    race = race_with(final=(2.0, 3.5, 5.0, 8.0), positions=(2, 1, 3, 4), win_rapports={2: "3.40"})
    lines = {
        (BetType.SIMPLE_PLACE, "2"): "1.60",
        (BetType.SIMPLE_PLACE, "1"): "1.30",
        (BetType.COUPLE_GAGNANT, "1-2"): "4.10",
        (BetType.TRIO, "1-2-3"): "12.70",
    }
    for (bet_type, combination), amount in lines.items():
        Dividend.objects.create(race=race, bet_type=bet_type, combination=combination, amount=Decimal(amount))
    predictions_score(start=race.meeting.date, end=race.meeting.date, model_version=model_version_active())
    page = card(client, free_user, race).content.decode()
    assert 'data-phase="finished"' in page
    assert re.search(r"<p data-arrival>\s*2 – 1 – 3 – 4", page)
    rapports = re.findall(r"<tr data-rapport><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">([^<]+)</td>", page)
    assert len(rapports) == 5
    shown = {(label, combination): amount for label, combination, amount in rapports}
    assert shown[("Simple gagnant", "2")] == "3.40"
    for (bet_type, combination), amount in lines.items():
        assert shown[(BetType(bet_type).label, combination)] == amount
    assert "data-bet-form" not in page  # no bet after the off


def test_a_race_gone_off_has_no_bet_forms(client, free_user, race):
    race.status = RaceStatus.RUNNING
    race.save(update_fields=["status"])
    page = card(client, free_user).content.decode()
    assert 'data-phase="running"' in page and "data-bet-form" not in page


def test_the_card_runs_a_handful_of_queries(client, free_user, race, django_assert_max_num_queries):
    runner = race.runners.get(saddle_number=2)
    OddsSnapshot.objects.create(runner=runner, taken_at=timezone.now(), odds=Decimal("2.00"))
    card(client, free_user)  # the session and the user's snapshot are warm
    with django_assert_max_num_queries(9):  # the gate's 5, then race, model, runners, odds
        response = client.get("/races/R1C1/", {"date": str(live_day())})
    assert response.status_code == 200


def test_the_reasons_are_in_the_readers_language_and_the_prize_in_euros(race, free_user):
    """The reasons are stored in English (the API's contract) and shown in French on a French page; the prize as
    ``80 000 €``."""
    from django.test import Client

    Prediction.objects.filter(runner__race=race).update(
        explanation=[{"feature": "days_since", "label": "Days since last run", "contribution": 0.4}]
    )
    Race.objects.filter(pk=race.pk).update(prize=Decimal("80000"), currency="EUR")
    french = Client()  # asks for no language: French, the default
    french.force_login(free_user)
    page = french.get("/races/R1C1/", {"date": str(live_day())}).content.decode()
    assert "Jours depuis la dernière course" in page and "Days since last run" not in page
    assert "80\xa0000\xa0€" in page or "80\xa0000&nbsp;€" in page
