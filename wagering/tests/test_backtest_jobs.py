"""Backtest jobs through the API (queued, running, done or failed; one owner) and the backtest command."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from billing.models import Plan, Subscription
from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import DAY, predict, race_with
from wagering.models import BacktestBet, BacktestJob
from wagering.services import backtest_jobs
from wagering.services.backtest import Strategy

pytestmark = pytest.mark.django_db

BODY = {"selection": "top_pick", "start": "2025-11-01", "end": "2025-11-30"}


@pytest.fixture
def walk_forward_day():
    version = ModelVersion.objects.create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )
    for course in range(1, 4):
        race = race_with(final=(2.0, 4.0, 6.0), positions=(2, 1, 3), win_rapports={2: "4.20"}, course=course)
        predict(version, race, (0.3, 0.5, 0.2))
    return version


def test_a_job_goes_from_queued_through_running_to_done(
    api, pro_user, walk_forward_day, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    original = backtest_jobs._update

    def spy(job_id, **fields):
        original(job_id, **fields)
        seen.append(tuple(BacktestJob.objects.values_list("status", "progress").get(pk=job_id)))

    monkeypatch.setattr(backtest_jobs, "_update", spy)
    api.as_user(pro_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/backtests", BODY, format="json")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["progress"], job["summary"]) == ("queued", 0, None)
    assert api.get(f"/api/v1/backtests/{job['id']}").json()["status"] == "queued"

    for callback in callbacks:
        callback()  # the commit: the (eager) task runs
    assert seen[0] == ("running", 0) and seen[-1] == ("done", 100)
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and len(set(progress)) >= 3
    done = api.get(f"/api/v1/backtests/{job['id']}").json()
    assert (done["status"], done["progress"], done["error"]) == ("done", 100, None)
    assert done["summary"]["bets"] == 3 and done["summary"]["profit"] == pytest.approx(9.6)
    assert done["baselines"]["favourite"]["bets"] == 3 and done["baselines"]["random"]["bets"] == 3
    assert [point["bankroll"] for point in done["equity_curve"]] == [103.2, 106.4, 109.6]
    assert done["versions"] == {"combined-1": 3} and done["strategy"]["selection"] == "top_pick"
    bets = api.get(f"/api/v1/backtests/{job['id']}/bets").json()
    assert [(b["seq"], b["race_code"], b["returned"], b["settled_by"]) for b in bets["data"]] == [
        (1, "R1C1", 4.2, "rapport"),
        (2, "R1C2", 4.2, "rapport"),
        (3, "R1C3", 4.2, "rapport"),
    ]


def test_a_failing_job_is_marked_failed_with_its_error(
    api, pro_user, walk_forward_day, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise ValueError("the frame is broken")

    monkeypatch.setattr(backtest_jobs, "backtest", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(pro_user).post("/api/v1/backtests", BODY, format="json")
    assert response.status_code == 202
    job = api.get(f"/api/v1/backtests/{response.json()['id']}").json()
    assert job["status"] == "failed" and "the frame is broken" in job["error"]
    assert job["summary"] is None and job["finished_at"] is not None


def test_a_transient_database_error_is_retried_then_given_up(pro_user, monkeypatch):
    job = BacktestJob.objects.create(owner=pro_user, params=Strategy().as_params(), start=DAY, end=DAY)

    def down(**kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(backtest_jobs, "backtest", down)
    with pytest.raises(OperationalError):
        backtest_jobs.backtest_job_run(job_id=job.pk, final_attempt=False)
    assert BacktestJob.objects.get(pk=job.pk).status == "queued"
    assert backtest_jobs.backtest_job_run(job_id=job.pk, final_attempt=True) == "failed"
    assert "unavailable" in BacktestJob.objects.get(pk=job.pk).error


def test_a_user_sees_only_their_own_jobs(
    api, pro_user, other_user, walk_forward_day, eager_celery, django_capture_on_commit_callbacks
):
    Subscription.objects.filter(user=other_user).update(plan=Plan.objects.get(code="pro"))
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.as_user(pro_user).post("/api/v1/backtests", BODY, format="json").json()["id"]
    api.as_user(other_user)
    for url in (f"/api/v1/backtests/{job_id}", f"/api/v1/backtests/{job_id}/bets"):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["status"] == "error"
    assert api.get("/api/v1/backtests").json()["pagination"]["total"] == 0
    mine = api.as_user(pro_user).get("/api/v1/backtests").json()
    assert [row["id"] for row in mine["data"]] == [job_id] and mine["data"][0]["summary"] is None  # brief rows


@pytest.mark.parametrize(
    "change, field",
    [
        ({"selection": "favourite"}, "selection"),
        ({"selection": None}, "selection"),
        ({"edge": "x"}, "edge"),
        ({"selection": "odds_band"}, "max_odds"),
        ({"min_odds": 5, "max_odds": 3}, "min_odds"),
        ({"selection": "value", "bet_type": "trio"}, "bet_type"),
        ({"staking": "kelly", "bet_type": "simple_place"}, "staking"),
        ({"staking": "martingale"}, "staking"),
        ({"stake": "-1"}, "stake"),
        ({"fraction": 2}, "fraction"),
        ({"discipline": ["galop"]}, "discipline"),
        ({"model": "no-such-version"}, "model"),
        ({"egde": 0.1}, "egde"),
        ({"start": "2025-12-01"}, "start"),
        ({"end": "2025-02-30"}, "end"),
    ],
)
def test_bad_parameters_are_400s_naming_the_field(api, pro_user, change, field):
    response = api.as_user(pro_user).post("/api/v1/backtests", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")
    assert not BacktestJob.objects.exists()


@pytest.mark.parametrize("persona, expected", [("anonymous", 401), ("free", 403), ("premium", 403), ("pro", 202)])
def test_backtest_jobs_are_for_the_pro_plan(api, personas, persona, expected, walk_forward_day, eager_celery):
    response = api.as_user(personas[persona]).post("/api/v1/backtests", BODY, format="json")
    assert response.status_code == expected
    if persona in ("free", "premium"):
        assert "Pro" in response.json()["message"]
        assert api.get("/api/v1/backtests/1").status_code == 403


def test_too_many_jobs_at_once_are_refused(api, pro_user):
    for _ in range(backtest_jobs.MAX_ACTIVE_JOBS):
        BacktestJob.objects.create(owner=pro_user, params={}, start=DAY, end=DAY)
    response = api.as_user(pro_user).post("/api/v1/backtests", BODY, format="json")
    assert response.status_code == 409


def _done_job(owner, n_races: int) -> BacktestJob:
    version = ModelVersion.objects.get_or_create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )[0]
    day = DAY + dt.timedelta(days=n_races)  # each job its own day
    for course in range(1, n_races + 1):
        predict(version, race_with(final=(2.0, 4.0), positions=(1, 2), date=day, course=course), (0.6, 0.4))
    job = BacktestJob.objects.create(owner=owner, params=Strategy(selection="top_pick").as_params(), start=day, end=day)
    assert backtest_jobs.backtest_job_run(job_id=job.pk) == "done"
    return job


def test_the_bets_of_a_job_are_paginated_in_a_fixed_number_of_queries(api, pro_user):
    small, large = _done_job(pro_user, 1), _done_job(pro_user, 7)
    assert BacktestBet.objects.filter(job=large).count() == 7
    api.as_user(pro_user)
    api.get("/api/v1/auth/me")  # the user's snapshot is cached, as after any earlier request (accounts.snapshot)
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"/api/v1/backtests/{small.pk}/bets").status_code == 200
    with CaptureQueriesContext(connection) as many:
        body = api.get(f"/api/v1/backtests/{large.pk}/bets", {"limit": 5}).json()
    assert len(many) == len(one)
    assert body["pagination"] == {"total": 7, "limit": 5, "offset": 0, "has_more": True}
    assert body["job"] == {"id": large.pk, "status": "done"}
    rest = api.get(f"/api/v1/backtests/{large.pk}/bets", {"limit": 5, "offset": 5}).json()
    assert [bet["seq"] for bet in rest["data"]] == [6, 7] and rest["pagination"]["has_more"] is False


def test_the_command_prints_the_summary_and_writes_the_bets(walk_forward_day, tmp_path):
    out, path = io.StringIO(), tmp_path / "bets.csv"
    call_command(
        "backtest",
        "--strategy",
        "top_pick",
        "--start",
        "2025-11-01",
        "--end",
        "2025-11-30",
        "--csv",
        str(path),
        "--no-progress",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["summary"]["bets"] == 3 and report["summary"]["returned"] == pytest.approx(12.6)
    assert set(report["baselines"]) == {"favourite", "random"}
    rows = list(csv.DictReader(path.open()))
    assert [(row["race"], row["selection"], row["return"]) for row in rows] == [
        ("R1C1", "2", "4.20"),
        ("R1C2", "2", "4.20"),
        ("R1C3", "2", "4.20"),
    ]


def test_the_command_names_a_bad_option():
    with pytest.raises(CommandError, match="--max-odds"):
        call_command(
            "backtest",
            "--strategy",
            "odds_band",
            "--start",
            "2025-11-01",
            "--end",
            "2025-11-30",
            "--no-progress",
            stdout=io.StringIO(),
        )
