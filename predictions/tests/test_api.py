"""The v1 prediction endpoints through HTTP: parameters, shapes, quotas, query counts."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .factories import live_day, live_race, model_version, predict, race_with, scored_card

pytestmark = pytest.mark.django_db

# Who may call which endpoint: the permission table in turf/tests/test_permissions.py.


@pytest.fixture
def card():
    return scored_card()


def test_a_race_card_lists_every_runner_with_probabilities_summing_to_one(api, free_user, card):
    body = api.as_user(free_user).get("/api/v1/courses/1-1/predictions", {"date": "2025-11-05"}).json()
    assert body["race"]["code"] == "R1C1"
    rows = body["data"]
    assert [r["saddle_number"] for r in rows] == [1, 2, 3, 4]
    assert sum(r["win_probability"] for r in rows) == pytest.approx(1.0)
    assert rows[0]["rank"] == 1 and rows[0]["model_version"] == "market-baseline-1"
    assert rows[0]["win_probability"] == pytest.approx((1 / 2.0) / (1 / 2.0 + 1 / 3.5 + 1 / 5 + 1 / 8))
    assert all(0 <= r["place_probability"] <= 1 for r in rows)
    assert rows[0]["jockey"] == "J. Doe" and rows[0]["odds"] == 2.0


@pytest.mark.parametrize("code", ["R1C1", "r1c1", "1-1"])
def test_a_race_is_reached_by_its_address_on_a_day(api, free_user, card, code):
    response = api.as_user(free_user).get(f"/api/v1/courses/{code}/predictions", {"date": "2025-11-05"})
    assert response.status_code == 200 and response.json()["race"]["id"] == card.pk


def test_a_race_is_reached_by_the_id_the_programme_lists(api, free_user, card):
    api.as_user(free_user)
    listed = api.get("/api/v1/courses/today", {"date": "2025-11-05"}).json()["data"][0]
    response = api.get(f"/api/v1/courses/race/{listed['id']}/predictions")
    assert response.status_code == 200
    assert response.json()["race"]["code"] == "R1C1" and len(response.json()["data"]) == 4


@pytest.mark.parametrize("code", ["42", "123", "R1-C1", "abc", "R0C1", "R1C0", "01-1", "1-1-1", "4" * 400])
def test_it_refuses_a_malformed_race_address_naming_the_accepted_forms(api, free_user, card, code):
    response = api.as_user(free_user).get(f"/api/v1/courses/{code}/predictions", {"date": "2025-11-05"})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("code:") and "R1C3, r1c3 or 1-3" in message
    assert "courses/race/{id}/predictions" in message and len(message) < 300


@pytest.mark.parametrize("race_id", ["99999999999999999999", "0", "R1C1", "1-1"])
def test_it_refuses_a_race_id_that_cannot_be_one(api, free_user, race_id):
    response = api.as_user(free_user).get(f"/api/v1/courses/race/{race_id}/predictions")
    assert response.status_code == 400 and response.json()["message"].startswith("race_id:")


@pytest.mark.parametrize("code, race", [("9-9", "R9C9"), ("R1C2", "R1C2"), ("r1c1", "R1C1")])
def test_a_well_formed_address_with_no_race_that_day_is_a_404(api, free_user, card, code, race):
    response = api.as_user(free_user).get(f"/api/v1/courses/{code}/predictions", {"date": "2025-11-06"})
    assert response.status_code == 404
    assert response.json()["message"] == f"No race {race} on 2025-11-06."


def test_an_id_with_no_race_is_a_404(api, free_user, card):
    response = api.as_user(free_user).get(f"/api/v1/courses/race/{card.pk + 1000}/predictions")
    assert response.status_code == 404 and response.json()["message"] == f"No race {card.pk + 1000}."


def test_top3_gives_the_days_strongest_picks_one_per_race(api, premium_user):
    version = model_version(active=True)
    probabilities = [(0.5, 0.3, 0.2), (0.7, 0.2, 0.1), (0.4, 0.35, 0.25), (0.9, 0.05, 0.05)]
    for course, p in enumerate(probabilities, start=1):
        predict(version, live_race(course=course), p)
    body = api.as_user(premium_user).get("/api/v1/predictions/top3", {"date": str(live_day())}).json()
    assert [(row["race_code"], row["win_probability"]) for row in body["data"]] == [
        ("R1C4", 0.9),
        ("R1C2", 0.7),
        ("R1C1", 0.5),
    ]
    assert body["skipped"] == {}


def test_top3_of_a_day_whose_races_have_all_gone_off_is_empty_and_says_why(api, premium_user):
    version = model_version(active=True)
    now, today = timezone.now(), timezone.localdate()
    for course in (1, 2):
        race = live_race(course=course, date=today, start_time=now - dt.timedelta(minutes=course))
        predict(version, race, (0.5, 0.3, 0.2))
    body = api.as_user(premium_user).get("/api/v1/predictions/top3", {"date": str(today)}).json()
    assert body["data"] == [] and body["pagination"]["total"] == 0
    assert body["skipped"] == {"gone off": 2}


def test_top3_pages_through_the_days_picks_as_every_list_does(api, premium_user, free_user):
    version = model_version(active=True)
    for course, p in enumerate([(0.5, 0.3, 0.2), (0.7, 0.2, 0.1), (0.4, 0.35, 0.25), (0.9, 0.05, 0.05)], start=1):
        predict(version, live_race(course=course), p)
    api.as_user(premium_user)
    day = str(live_day())
    first = api.get("/api/v1/predictions/top3", {"date": day}).json()
    assert first["pagination"] == {"total": 4, "limit": 3, "offset": 0, "has_more": True}
    assert first["date"] == day and first["version"] == "v1"
    rest = api.get("/api/v1/predictions/top3", {"date": day, "offset": 3}).json()
    assert [row["race_code"] for row in rest["data"]] == ["R1C3"] and rest["pagination"]["has_more"] is False
    whole = api.get("/api/v1/predictions/top3", {"date": day, "limit": 10}).json()
    assert [row["win_probability"] for row in whole["data"]] == [0.9, 0.7, 0.5, 0.4]
    # The free plan's one look a day is one call, whatever page it asks for.
    assert api.as_user(free_user).get("/api/v1/predictions/top3", {"limit": 10}).status_code == 200
    assert api.get("/api/v1/predictions/top3", {"offset": 3}).status_code == 429


def test_the_free_plan_gets_one_top3_call_a_day(api, free_user, premium_user, card):
    assert api.as_user(free_user).get("/api/v1/predictions/top3").status_code == 200
    refused = api.as_user(free_user).get("/api/v1/predictions/top3")
    assert refused.status_code == 429
    assert "1 top3 call" in refused.json()["message"] and "Premium" in refused.json()["message"]
    assert int(refused["Retry-After"]) > 0
    assert [api.as_user(premium_user).get("/api/v1/predictions/top3").status_code for _ in range(3)] == [200] * 3
    me = api.as_user(free_user).get("/api/v1/auth/me").json()
    assert me["usage"]["quotas"]["top3"] == {"limit": 1, "used": 1}


def test_a_malformed_top3_call_does_not_use_up_the_free_plans_daily_look(api, free_user, card):
    bad = api.as_user(free_user).get("/api/v1/predictions/top3", {"date": "2025-13-45"})
    assert bad.status_code == 400 and bad.json()["status"] == "error"
    assert api.as_user(free_user).get("/api/v1/auth/me").json()["usage"]["quotas"]["top3"]["used"] == 0
    assert api.as_user(free_user).get("/api/v1/predictions/top3").status_code == 200
    assert api.as_user(free_user).get("/api/v1/predictions/top3").status_code == 429
    # A plan that does not open an endpoint is refused before its query is even read.
    assert api.as_user(free_user).get("/api/v1/predictions/all", {"date": "nope"}).status_code == 403


def test_all_predictions_are_paginated_per_runner(api, premium_user, card):
    body = api.as_user(premium_user).get("/api/v1/predictions/all", {"date": "2025-11-05", "limit": 3}).json()
    assert body["pagination"] == {"total": 4, "limit": 3, "offset": 0, "has_more": True}
    assert body["model_version"] == "market-baseline-1"
    rest = api.as_user(premium_user).get("/api/v1/predictions/all", {"date": "2025-11-05", "offset": 3}).json()
    assert [r["saddle_number"] for r in rest["data"]] == [4] and rest["pagination"]["has_more"] is False


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/api/v1/valuebets", {"min_odds": "abc"}, "min_odds"),
        ("/api/v1/valuebets", {"limit": "-2"}, "limit"),
        ("/api/v1/metrics", {"days": "x"}, "days"),
        ("/api/v1/metrics", {"days": "0"}, "days"),
        ("/api/v1/backtest", {"start": "2025-13-01"}, "start"),
        ("/api/v1/backtest", {"start": "2025-11-10", "end": "2025-11-01"}, "start"),
        ("/api/v1/export/csv", {"type": "horses", "date": "2025-11-05"}, "type"),
        ("/api/v1/export/csv", {"type": "bets", "start": "2025-11-01"}, "end"),
        ("/api/v1/predictions/all", {"offset": "-1"}, "offset"),
        ("/api/v1/predictions/top3", {"date": "2025-02-29"}, "date"),
        ("/api/v1/predictions/top3", {"offset": "1" * 26}, "offset"),
        # The default window ends 29 days after a start, or starts 29 days before an end: dates are bounded
        # so that this stays a date (year 1 was a 500).
        ("/api/v1/backtest", {"end": "0001-01-05"}, "end"),
        ("/api/v1/predictions/history", {"start": "0001-01-01", "end": "2025-01-01"}, "start"),
        ("/api/v1/export/csv", {"type": "bets", "date": "3000-01-01"}, "date"),
    ],
)
def test_bad_parameters_are_400s_naming_the_parameter(api, pro_user, url, params, field):
    response = api.as_user(pro_user).get(url, params)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/api/v1/courses/today", {"date": "2026-02-30"}, "date"),
        ("/api/v1/courses/1-1/predictions", {"date": "2026-02-30"}, "date"),
        ("/api/v1/predictions/top3", {"date": "2026-02-30"}, "date"),
        ("/api/v1/predictions/all", {"date": "2026-02-30"}, "date"),
        ("/api/v1/valuebets", {"date": "2026-02-30"}, "date"),
        ("/api/v1/predictions/history", {"start": "2026-02-30", "end": "2026-03-05"}, "start"),
        ("/api/v1/backtest", {"start": "2026-02-01", "end": "2026-02-30"}, "end"),
        ("/api/v1/export/csv", {"type": "predictions", "date": "2026-02-30"}, "date"),
        ("/api/v1/export/csv", {"type": "bets", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ],
)
def test_it_says_a_well_formed_date_that_is_not_a_day_is_not_a_day(api, pro_user, url, params, field):
    response = api.as_user(pro_user).get(url, params)
    assert response.status_code == 400
    assert response.json()["message"] == f"{field}: 2026-02-30 is not a day: February 2026 has 28 days."


@pytest.mark.parametrize(
    "url", ["/api/v1/predictions/all", "/api/v1/valuebets", "/api/v1/backtest?start=2025-11-01&end=2025-11-30"]
)
def test_list_queries_do_not_grow_with_the_page(api, pro_user, url):
    version = model_version(active=True)
    predict(version, race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3)), (0.5, 0.3, 0.2))
    sep = "&" if "?" in url else "?"
    full = f"{url}{sep}date=2025-11-05"
    api.as_user(pro_user)
    api.get("/api/v1/auth/me")  # the user's snapshot is cached, as after any earlier request (accounts.snapshot)
    with CaptureQueriesContext(connection) as one:
        assert api.get(full).status_code == 200
    for course in range(2, 10):
        predict(version, race_with(course=course, final=(3.0, 3.0, 3.0), positions=(1, 2, 3)), (0.5, 0.3, 0.2))
    with CaptureQueriesContext(connection) as many:
        assert api.get(full).status_code == 200
    assert len(many) == len(one)


def test_the_openapi_schema_documents_every_endpoint_without_warnings():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in [
        "/api/v1/courses/today",
        "/api/v1/courses/{code}/predictions",
        "/api/v1/courses/race/{race_id}/predictions",
        "/api/v1/predictions/top3",
        "/api/v1/predictions/all",
        "/api/v1/valuebets",
        "/api/v1/backtest",
        "/api/v1/export/csv",
        "/api/v1/metrics",
        "/api/v1/health",
        "/api/v1/auth/login",
    ]:
        assert path in schema
    assert "Error" in schema and "429" in schema


def test_a_finished_races_card_says_where_it_is_what_it_shows_and_how_it_finished(api, free_user, card):
    body = api.as_user(free_user).get(f"/api/v1/courses/race/{card.pk}/predictions").json()
    assert (body["phase"], body["basis"], body["model_version"], body["stage"]) == (
        "finished",
        "walk_forward",
        "market-baseline-1",
        None,
    )
    assert body["scored_at"] is not None and body["published_at"] is None and body["odds_at"] is None
    result = body["result"]
    assert [(p["position"], p["saddle_number"]) for p in result["arrival"]] == [(1, 2), (2, 1), (3, 3), (4, 4)]
    assert result["official"] is False and result["non_partants"] == []
    assert [(r["bet_type"], r["combination"], float(r["amount"])) for r in result["rapports"]] == [
        ("simple_gagnant", "2", 3.40)
    ]
    assert [row["position"] for row in body["data"]] == [2, 1, 3, 4]


def test_a_race_to_come_has_a_live_card_and_no_result(api, free_user):
    race = live_race(final=(2.0, 4.0, 4.0))
    predict(model_version(active=True), race, (0.5, 0.3, 0.2))
    body = api.as_user(free_user).get(f"/api/v1/courses/race/{race.pk}/predictions").json()
    assert (body["phase"], body["basis"], body["model_version"], body["result"]) == (
        "scheduled",
        "live",
        "test-model-1",
        None,
    )
    assert [row["win_probability"] for row in body["data"]] == [0.5, 0.3, 0.2]
