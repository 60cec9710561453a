"""GET courses/{race}/combinations: a race's most likely tickets of a combined bet type, their fair rapport, and
after the race what came in and paid (the real R1C1 of 5 November 2025: its arrival and its PMU rapports)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Dividend, Race, RunnerStatus
from predictions.models import ModelKind, ModelVersion
from predictions.services import combinations as engine
from predictions.tests.factories import live_race, model_version, predict, race_with

from .factories import R1C1_ARRIVAL, R1C1_WIN, pmu_r1c1

pytestmark = pytest.mark.django_db

ARRIVAL, WIN = R1C1_ARRIVAL, R1C1_WIN


@pytest.fixture
def r1c1(data_dir) -> Race:
    return pmu_r1c1(data_dir)


def get(api, user, race: Race, **query):
    return api.as_user(user).get(f"/api/v1/courses/race/{race.pk}/combinations", query)


def test_the_most_likely_trios_come_first_with_their_fair_rapport_and_what_came_in(api, premium_user, r1c1):
    answer = get(api, premium_user, r1c1, bet_type="trio", limit=5)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["bet_type"], body["picks"], body["ordered"], body["runners"]) == ("trio", 3, False, 14)
    assert body["offered_by"] == "rapports"  # the types R1C1 paid
    assert body["offered"] == ["couple_gagnant", "couple_place", "deux_sur_quatre", "trio", "multi"]
    tickets = body["combinations"]
    assert [t["rank"] for t in tickets] == [1, 2, 3, 4, 5]
    probabilities = [t["probability"] for t in tickets]
    assert probabilities == sorted(probabilities, reverse=True)
    for ticket in tickets:
        assert ticket["fair_rapport"] == pytest.approx(1 / ticket["probability"])
        win = np.array(WIN) / sum(WIN)
        runners = [s - 1 for s in ticket["saddle_numbers"]]
        assert ticket["probability"] == pytest.approx(engine.combination_probability(win, runners, bet_type="trio"))
    # The model's three strongest are the top trio: it came in and paid 36.10 € per 1 €.
    top = tickets[0]
    assert sorted(top["saddle_numbers"]) == [3, 7, 9] and top["horses"][0].startswith("Horse")
    assert top["won"] is True and top["rapport"] == 36.10
    assert top["edge"] == pytest.approx(top["probability"] * 36.10 - 1)
    assert all(t["won"] is False and t["rapport"] is None and t["edge"] is None for t in tickets[1:])
    # After the race: the arrival and the paying line, with what we gave it.
    result = body["result"]
    assert result["arrival"][:4] == [[7], [3], [9], [13]]
    assert [(line["combination"], line["amount"]) for line in result["paid"]] == [("7-3-9", 36.10)]
    assert result["paid"][0]["probability"] == pytest.approx(top["probability"])


def test_the_multi_pays_the_line_of_its_picks(api, premium_user, r1c1):
    body = get(api, premium_user, r1c1, bet_type="multi", picks=5, limit=100).json()
    assert body["picks"] == 5
    paying = [t for t in body["combinations"] if t["won"]]
    # A multi en 5 collects when its 5 horses hold the first four (7, 3, 9, 13): 92.40 € per 1 € (the en 5 line).
    assert paying and all({3, 7, 9, 13} <= set(t["saddle_numbers"]) for t in paying)
    assert {t["rapport"] for t in paying} == {92.40}
    assert all(not {3, 7, 9, 13} <= set(t["saddle_numbers"]) for t in body["combinations"] if not t["won"])
    # The multi en 5 line names the four, not a whole ticket of five: no probability of its own.
    assert [(line["combination"], line["amount"], line["probability"]) for line in body["result"]["paid"]] == [
        ("7-3-9-13", 92.40, None)
    ]


def test_a_type_the_race_does_not_offer_is_a_400_that_names_those_it_does(api, premium_user, r1c1):
    refused = get(api, premium_user, r1c1, bet_type="quinte_ordre")
    assert refused.status_code == 400
    body = refused.json()
    assert body["status"] == "error" and body["error"] == "invalid_parameter" and body["request_id"]
    assert "not offered on this race" in body["message"] and "trio" in body["message"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"bet_type": "simple_gagnant"}, "bet_type"),  # not a combined bet
        ({"bet_type": "nope"}, "bet_type"),
        ({}, "bet_type"),
        ({"bet_type": "trio", "limit": 0}, "limit"),
        ({"bet_type": "trio", "limit": 101}, "limit"),
        ({"bet_type": "trio", "picks": 5}, "picks"),  # picks is the multi's
        ({"bet_type": "multi", "picks": 8}, "picks"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_field(api, premium_user, r1c1, query, field):
    refused = get(api, premium_user, r1c1, **query)
    assert refused.status_code == 400, refused.content
    assert field in refused.json()["message"]
    by_code = api.as_user(premium_user).get("/api/v1/courses/R1C1/combinations", {"date": "2025-11-05", **query})
    assert by_code.status_code == 400 and field in by_code.json()["message"]


def test_non_partants_are_left_out_and_the_others_renormalised(api, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0, 8.0, 10.0), statuses=[RunnerStatus.RUNNER] * 5 + ["non_partant"])
    predict(model_version("market-baseline-1", kind=ModelKind.MARKET, active=True), race, (0.3, 0.2, 0.2, 0.1, 0.1, 0))
    body = get(api, premium_user, race, bet_type="couple_ordre", limit=100).json()
    assert body["runners"] == 5 and body["offered_by"] == "field" and body["result"] is None
    tickets = body["combinations"]
    assert len(tickets) == 5 * 4 and all(6 not in t["saddle_numbers"] for t in tickets)
    assert math.fsum(t["probability"] for t in tickets) == pytest.approx(1.0)
    # Renormalised over the five that run: 0.3/0.9 first, then 0.2/0.6 of the rest.
    assert tickets[0]["saddle_numbers"] == [1, 2] and tickets[0]["probability"] == pytest.approx(1 / 3 * 0.2 / 0.6)
    assert all(t["won"] is None for t in tickets)  # before the race


def test_a_field_too_small_for_the_type_is_a_400_that_says_so(api, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0))
    predict(model_version("market-baseline-1", kind=ModelKind.MARKET, active=True), race, (0.5, 0.3, 0.2))
    refused = get(api, premium_user, race, bet_type="quarte_ordre")
    assert refused.status_code == 400
    assert "field of 3 runners" in refused.json()["message"]


def test_the_programme_says_which_pools_a_race_sells(api, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0))
    Race.objects.filter(pk=race.pk).update(extra={"bet_types": ["simple_gagnant", "couple_gagnant", "trio"]})
    predict(model_version("market-baseline-1", kind=ModelKind.MARKET, active=True), race, [0.125] * 8)
    assert get(api, premium_user, race, bet_type="trio").json()["offered"] == ["couple_gagnant", "trio"]
    refused = get(api, premium_user, race, bet_type="tierce_ordre")
    assert refused.status_code == 400 and "its programme sells couple_gagnant, trio" in refused.json()["message"]


def test_the_probabilities_use_the_versions_fitted_exponents(api, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0))
    version = model_version("fitted-1", active=True)
    version.params = {"calibration": {"gamma": 0.8, "delta": 0.6}}
    version.save(update_fields=["params"])
    win = (0.4, 0.3, 0.2, 0.1)
    predict(version, race, win)
    body = get(api, premium_user, race, bet_type="trio_ordre", limit=1).json()
    assert (body["gamma"], body["delta"], body["model_version"], body["basis"]) == (0.8, 0.6, "fitted-1", "live")
    expected = engine.combinations_top(np.array(win), bet_type="trio_ordre", limit=1, gamma=0.8, delta=0.6)[0]
    assert body["combinations"][0]["probability"] == pytest.approx(expected.probability)
    plain = engine.combinations_top(np.array(win), bet_type="trio_ordre", limit=1)[0]
    assert expected.probability != pytest.approx(plain.probability)  # the exponents change the answer


def test_the_race_is_addressed_as_its_predictions_are(api, premium_user, r1c1):
    by_code = api.as_user(premium_user).get(
        "/api/v1/courses/R1C1/combinations", {"date": "2025-11-05", "bet_type": "couple_gagnant"}
    )
    by_id = get(api, premium_user, r1c1, bet_type="couple_gagnant")
    assert by_code.status_code == by_id.status_code == 200
    assert by_code.json()["combinations"] == by_id.json()["combinations"]
    assert by_code.json()["combinations"][0]["won"] is True  # 7-3 came in: 13.20 €
    missing = api.as_user(premium_user).get(
        "/api/v1/courses/R9C9/combinations", {"date": "2025-11-05", "bet_type": "trio"}
    )
    assert missing.status_code == 404
    bad = api.as_user(premium_user).get("/api/v1/courses/42/combinations", {"bet_type": "trio"})
    assert bad.status_code == 400 and "courses/race/{id}/combinations" in bad.json()["message"]


def test_a_race_without_prediction_lists_no_combination(api, premium_user):
    race = live_race(final=(3.0, 4.0, 5.0, 6.0))
    body = get(api, premium_user, race, bet_type="couple_gagnant").json()
    assert body["combinations"] == [] and body["basis"] is None


def test_the_free_plan_is_told_to_upgrade(api, free_user, r1c1):
    refused = get(api, free_user, r1c1, bet_type="trio")
    assert refused.status_code == 403 and refused.json()["error"] == "plan_required"


def _queries(api, user, race, **query) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert get(api, user, race, **query).status_code == 200
    return len(captured)


def test_the_answer_runs_the_same_handful_of_queries_whatever_the_field(api, premium_user, r1c1):
    small = race_with(final=(3.0, 4.0, 5.0, 6.0), positions=(1, 2, 3, 4), course=2)
    Dividend.objects.create(race=small, bet_type="trio", combination="1-2-3", amount="4.10")
    predict(ModelVersion.objects.get(version="market-baseline-1"), small, (0.4, 0.3, 0.2, 0.1))
    big = _queries(api, premium_user, r1c1, bet_type="trio", limit=100)
    assert big == _queries(api, premium_user, small, bet_type="trio", limit=4)
    assert big <= 15  # the gate's, the card's (race, publications, version, runners), the calibration, the rapports
