"""The bankroll tracker: record one's own bets before the off, settled from the result, private to each user."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Race, RaceStatus, Runner, RunnerStatus
from predictions.tests.factories import race_with
from wagering.models import UserBet
from wagering.services.bankroll import user_bets_settle, user_bets_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def tomorrow_race():
    return race_with(
        final=None,
        morning=[2.0, 4.0, 5.0, 8.0, 9.0, 12.0, 15.0, 20.0, 30.0],
        date=timezone.localdate() + dt.timedelta(days=1),
        status=RaceStatus.SCHEDULED,
    )


def bet(api, user, race, saddle=1, bet_type="simple_gagnant", stake="10", odds="4.5"):
    return api.as_user(user).post(
        "/api/v1/bets",
        {"race_id": race.pk, "saddle_number": saddle, "bet_type": bet_type, "stake": stake, "odds": odds},
        format="json",
    )


def finish(race, positions, statuses=None):
    shared = {p for p in positions.values() if list(positions.values()).count(p) > 1}
    for saddle, position in positions.items():
        Runner.objects.filter(race=race, saddle_number=saddle).update(position=position, dead_heat=position in shared)
    for saddle, status in (statuses or {}).items():
        Runner.objects.filter(race=race, saddle_number=saddle).update(status=status, position=None)
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.FINISHED)


def test_a_free_user_records_a_bet_before_the_race(api, free_user, tomorrow_race):
    response = bet(api, free_user, tomorrow_race)
    assert response.status_code == 201
    body = response.json()
    assert (body["saddle_number"], body["stake"], body["odds"], body["status"]) == (1, 10.0, 4.5, "open")
    assert body["race_code"] == "R1C1"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"stake": "-5"}, "stake"),
        ({"stake": "abc"}, "stake"),
        ({"odds": "0.5"}, "odds"),
        ({"bet_type": "quinte"}, "bet_type"),
        ({"saddle_number": 42}, "saddle_number: race RACE has no runner 42."),
        ({"saddle_number": 10**20}, "saddle_number"),
        ({"race_id": 999999}, "race_id: no race 999999."),
        ({"race_id": 99999999999999999999}, "race_id"),
        ({"race_id": 2**63}, "race_id"),
        ({"race_id": 0}, "race_id"),
        ({"race_id": "R1C1"}, "race_id"),
        ({"stake": "100000.01"}, "stake"),
        ({"odds": "1e30"}, "odds"),
    ],
)
def test_bad_bets_are_400s_naming_the_field(api, free_user, tomorrow_race, change, field):
    payload = {
        "race_id": tomorrow_race.pk,
        "saddle_number": 1,
        "bet_type": "simple_gagnant",
        "stake": "10",
        "odds": "3",
    }
    response = api.as_user(free_user).post("/api/v1/bets", {**payload, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(field.replace("RACE", str(tomorrow_race.pk)))
    assert not UserBet.objects.exists()


@pytest.mark.parametrize("bet_id", ["99999999999999999999", str(2**63), "0", "abc", "1.0", "1%0A2"])
def test_it_refuses_a_bet_id_that_cannot_be_one_naming_it(api, free_user, bet_id):
    response = api.as_user(free_user).delete(f"/api/v1/bets/{bet_id}")
    assert response.status_code == 400
    assert response.json()["message"].startswith("bet_id:")


def test_a_bet_on_a_finished_race_is_refused(api, free_user):
    past = race_with(final=[2.0, 4.0], positions=[1, 2])
    response = bet(api, free_user, past)
    assert response.status_code == 400 and response.json()["message"].startswith("race_id:")


def test_users_never_see_or_delete_each_others_bets(api, free_user, other_user, tomorrow_race):
    mine = bet(api, free_user, tomorrow_race).json()["id"]
    bet(api, other_user, tomorrow_race, saddle=2)
    listed = api.as_user(other_user).get("/api/v1/bets").json()
    assert [b["saddle_number"] for b in listed["data"]] == [2]
    assert api.as_user(other_user).delete(f"/api/v1/bets/{mine}").status_code == 404
    assert api.as_user(free_user).delete(f"/api/v1/bets/{mine}").status_code == 204
    assert not UserBet.objects.filter(pk=mine).exists()


def test_a_bet_cannot_be_withdrawn_once_the_race_is_over(api, free_user, tomorrow_race):
    bet_id = bet(api, free_user, tomorrow_race).json()["id"]
    finish(tomorrow_race, {1: 1, 2: 2, 3: 3})
    response = api.as_user(free_user).delete(f"/api/v1/bets/{bet_id}")
    assert response.status_code == 409
    assert UserBet.objects.filter(pk=bet_id).exists()


def test_settlement_pays_wins_places_dead_heats_and_refunds_non_partants(api, free_user, tomorrow_race):
    win = bet(api, free_user, tomorrow_race, saddle=1, stake="10", odds="4.5").json()["id"]
    place = bet(api, free_user, tomorrow_race, saddle=3, bet_type="simple_place", stake="10", odds="1.8").json()["id"]
    heat = bet(api, free_user, tomorrow_race, saddle=4, bet_type="simple_place", stake="10", odds="2.0").json()["id"]
    lost = bet(api, free_user, tomorrow_race, saddle=6, stake="5", odds="10").json()["id"]
    scratched = bet(api, free_user, tomorrow_race, saddle=8, stake="7", odds="20").json()["id"]
    # 9 declared, 8 run: 3 places paid; saddles 3 and 4 dead-heat for third.
    finish(tomorrow_race, {1: 1, 2: 2, 3: 3, 4: 3, 5: 5, 6: 6, 7: 7, 9: 8}, statuses={8: RunnerStatus.NON_PARTANT})
    assert user_bets_settle() == 5
    got = {b.pk: (b.status, b.returned) for b in UserBet.objects.all()}
    assert got[win] == ("won", Decimal("45.00"))
    assert got[place] == ("won", Decimal("9.00"))  # half the stake at 1.8 (dead heat for the last place)
    assert got[heat] == ("won", Decimal("10.00"))
    assert got[lost] == ("lost", Decimal("0.00"))
    assert got[scratched] == ("refunded", Decimal("7.00"))
    assert user_bets_settle() == 0  # settled once


def test_the_summary_gives_profit_roi_and_drawdown(api, free_user, tomorrow_race):
    bet(api, free_user, tomorrow_race, saddle=2, stake="10", odds="4")  # lost first
    bet(api, free_user, tomorrow_race, saddle=3, stake="10", odds="4")  # lost
    bet(api, free_user, tomorrow_race, saddle=1, stake="10", odds="4")  # won 40
    finish(tomorrow_race, {1: 1, 2: 2, 3: 3})
    user_bets_settle()
    summary = api.as_user(free_user).get("/api/v1/bets/summary").json()
    assert summary["staked"] == 30.0 and summary["returned"] == 40.0 and summary["profit"] == 10.0
    assert summary["roi"] == pytest.approx(1 / 3)
    assert summary["by_status"]["won"] == 1 and summary["by_status"]["lost"] == 2
    assert summary["max_drawdown"] <= 20.0


def test_importing_results_settles_open_bets(api, free_user, tomorrow_race, eager_celery):
    from courses.importers.run import import_races
    from courses.tests.factories import race_payload

    bet(api, free_user, tomorrow_race, saddle=1)
    finish(tomorrow_race, {1: 1, 2: 2})
    import_races(source="manual", items=[race_payload()], progress=False)
    assert UserBet.objects.get().status == "won"


def test_listing_bets_costs_the_same_queries_for_one_or_many(api, free_user, tomorrow_race):
    bet(api, free_user, tomorrow_race, saddle=1)
    api.as_user(free_user)
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/bets")
    for saddle in range(2, 9):
        bet(api, free_user, tomorrow_race, saddle=saddle)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/bets").json()["data"]) == 8
    assert len(many) == len(one)


def test_anonymous_visitors_cannot_use_the_tracker(api):
    assert api.get("/api/v1/bets").status_code == 401
    assert api.get("/api/v1/bets/summary").status_code == 401


def test_the_equity_curve_is_the_cumulative_profit_in_settlement_order(api, free_user, tomorrow_race):
    bet(api, free_user, tomorrow_race, saddle=2, stake="10", odds="4")  # lost
    bet(api, free_user, tomorrow_race, saddle=1, stake="10", odds="4")  # won 40
    bet(api, free_user, tomorrow_race, saddle=3, stake="5", odds="4")  # lost
    finish(tomorrow_race, {1: 1, 2: 2, 3: 3})
    user_bets_settle()
    summary = user_bets_summary(user=free_user, with_equity=True)
    assert [point["profit"] for point in summary["equity"]] == [Decimal("-10"), Decimal("20"), Decimal("15")]
    assert summary["equity"][-1]["profit"] == summary["profit"]
    assert "equity" not in user_bets_summary(user=free_user)  # the API's answer is unchanged
