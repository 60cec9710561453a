"""The v1 wagering endpoints through HTTP: value bets, the reference backtest, metrics, CSV."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from courses.models import Horse, RaceStatus
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import DAY, live_day, live_race, model_version, predict, race_with, scored_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    return scored_card()


def test_value_bets_carry_ev_kelly_and_stake(api, premium_user):
    version = model_version(active=True)
    race = live_race(final=(3.0, 3.0, 3.0))
    predict(version, race, (0.5, 0.3, 0.2))
    day = str(live_day())
    body = api.as_user(premium_user).get("/api/v1/valuebets", {"date": day}).json()
    assert len(body["data"]) == 1 and body["skipped"] == {}
    bet = body["data"][0]
    assert bet["saddle_number"] == 1 and bet["odds"] == 3.0
    assert bet["expected_value"] == pytest.approx(0.5)
    assert bet["kelly_fraction"] == pytest.approx(0.05)  # ¼ Kelly = 0.0625, capped at 5 %
    assert bet["stake"] == 5.0
    higher = api.as_user(premium_user).get("/api/v1/valuebets", {"date": day, "min_odds": "3.5"}).json()
    assert higher["data"] == []


def test_value_bets_leave_out_the_races_that_have_gone_off_and_say_so(api, premium_user):
    version = model_version(active=True)
    now, today = timezone.now(), timezone.localdate()
    run = live_race(final=(3.0, 3.0, 3.0), date=today, start_time=now - dt.timedelta(minutes=1))
    to_come = live_race(final=(3.0, 3.0, 3.0), date=today, course=2, start_time=now + dt.timedelta(minutes=30))
    predict(version, run, (0.5, 0.3, 0.2))
    predict(version, to_come, (0.2, 0.6, 0.2))
    body = api.as_user(premium_user).get("/api/v1/valuebets", {"date": str(today)}).json()
    assert [(bet["race_id"], bet["saddle_number"]) for bet in body["data"]] == [(to_come.pk, 2)]
    assert body["skipped"] == {"gone off": 1}
    past = api.get("/api/v1/valuebets", {"date": "2025-11-05"}).json()
    assert past["data"] == [] and past["skipped"] == {}  # no race that day: nothing left out either


def test_the_market_baseline_finds_no_value_against_its_own_odds(api, premium_user):
    live_race(final=(2.0, 3.5, 5.0, 8.0))
    predictions_score(start=live_day(), end=live_day(), model_version=model_version_active())
    body = api.as_user(premium_user).get("/api/v1/valuebets", {"date": str(live_day())}).json()
    assert body["data"] == [] and body["pagination"]["total"] == 0 and body["skipped"] == {}


def test_backtest_settles_value_bets_from_the_rapports(api, pro_user):
    version = model_version(active=True)
    version.trained_until = DAY - dt.timedelta(days=1)  # trained before the races: it may judge them
    version.save()
    won = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), win_rapports={1: "3.20"})
    lost = race_with(course=2, final=(3.0, 3.0, 3.0), positions=(2, 1, 3), win_rapports={2: "2.90"})
    predict(version, won, (0.5, 0.3, 0.2))
    predict(version, lost, (0.5, 0.3, 0.2))
    body = api.as_user(pro_user).get("/api/v1/backtest", {"start": "2025-11-01", "end": "2025-11-30"}).json()
    assert [(b["race_code"], b["return"], b["profit"]) for b in body["data"]] == [
        ("R1C1", 3.2, 2.2),
        ("R1C2", 0.0, -1.0),
    ]
    summary = body["summary"]
    assert summary["bets"] == 2 and summary["winners"] == 1
    assert summary["profit"] == pytest.approx(1.2) and summary["roi"] == pytest.approx(0.6)
    assert summary["max_drawdown"] == pytest.approx(1.0)
    assert (body["model_version"], body["skipped"], body["versions"]) == ("published", {}, {"test-model-1": 2})
    assert body["basis"] == {"walk_forward": 2}


def test_metrics_compare_the_model_with_the_market(api, premium_user):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    race_with(date=yesterday, final=(2.0, 4.0, 4.0), positions=(1, 2, 3))
    model_version_active()
    predictions_score(start=yesterday, end=yesterday)
    body = api.as_user(premium_user).get("/api/v1/metrics", {"days": 7}).json()
    assert body["version"] == "v1" and set(body) == {"version", "data"}
    metrics = body["data"]
    assert metrics["races"] == 1
    assert metrics["model"]["log_loss"] == pytest.approx(-__import__("math").log(0.5))
    assert metrics["market"]["log_loss"] == pytest.approx(metrics["model"]["log_loss"])
    assert metrics["window"] == {
        "start": (yesterday - dt.timedelta(days=6)).isoformat(),
        "end": yesterday.isoformat(),
        "days": 7,
    }


def test_csv_export_streams_predictions_with_a_header(api, pro_user, card):
    response = api.as_user(pro_user).get("/api/v1/export/csv", {"type": "predictions", "date": "2025-11-05"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["source", "source_race_id", "date", "race"]
    assert len(rows) == 5 and rows[1][3] == "R1C1"


def test_csv_export_neutralises_formulas(api, pro_user, card):
    Horse.objects.filter(pk=card.runners.get(saddle_number=1).horse_id).update(name='=HYPERLINK("x")')
    response = api.as_user(pro_user).get("/api/v1/export/csv", {"type": "predictions", "date": "2025-11-05"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][7] == '\'=HYPERLINK("x")'


def test_csv_export_of_bets_equals_the_backtest_rows(api, pro_user):
    version = model_version(active=True)
    version.trained_until = DAY - dt.timedelta(days=1)
    version.save()
    predict(version, race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), win_rapports={1: "3.20"}), (0.5, 0.3, 0.2))
    api.as_user(pro_user)
    params = {"start": "2025-11-05", "end": "2025-11-05"}
    listed = api.get("/api/v1/backtest", params).json()["data"]
    response = api.get("/api/v1/export/csv", {"type": "bets", **params})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert listed and [(r["race"], float(r["profit"])) for r in rows] == [(b["race_code"], b["profit"]) for b in listed]


def test_the_csv_export_without_a_date_is_todays_predictions(api, pro_user):
    today = timezone.localdate()
    race_with(final=(2.0, 4.0, 4.0), date=today, status=RaceStatus.SCHEDULED)
    race_with(final=(2.0, 4.0, 4.0), date=today - dt.timedelta(days=1), course=2)
    predictions_score(start=today - dt.timedelta(days=1), end=today, model_version=model_version_active())
    response = api.as_user(pro_user).get("/api/v1/export/csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="turf-predictions-{today}-{today}.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(row["date"], row["race"]) for row in rows} == {(f"{today}", "R1C1")} and len(rows) == 3
    bets = api.get("/api/v1/export/csv", {"type": "bets"})
    assert bets.status_code == 200 and f"turf-bets-{today}-{today}.csv" in bets["Content-Disposition"]


@pytest.mark.parametrize(
    "params, says",
    [
        ({"start": "2025-11-01"}, "end: give start and end together"),
        ({"end": "2025-11-01"}, "start: give start and end together"),
        ({"date": "2025-11-01", "start": "2025-11-01", "end": "2025-11-02"}, "date: give either date"),
    ],
)
def test_the_csv_export_refuses_half_a_window(api, pro_user, params, says):
    response = api.as_user(pro_user).get("/api/v1/export/csv", params)
    assert response.status_code == 400 and response.json()["message"].startswith(says)
