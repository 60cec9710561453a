"""POST backtests and the job routes as a new subscriber meets them: bounds, defaults, what a job says back."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings

from courses.models import BetType, Dividend
from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import DAY, predict, race_with
from wagering.models import BacktestJob
from wagering.serializers.backtests import BacktestCreateSerializer
from wagering.services.backtest import SELECTIONS, Strategy

pytestmark = pytest.mark.django_db

WINDOW = {"start": "2025-11-01", "end": "2025-11-30"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"seed": 2**63}, "seed"),
        ({"seed": -1}, "seed"),
        ({"stake": "1e30"}, "stake"),
        ({"bankroll": 10**20}, "bankroll"),
        ({"edge": "1e400"}, "edge"),
        ({"racecourse": ["VIN"] * 51}, "racecourse"),
    ],
)
def test_it_refuses_a_number_out_of_bounds_naming_it_and_queues_nothing(api, pro_user, change, field):
    response = api.as_user(pro_user).post(
        "/api/v1/backtests", {"selection": "value", **WINDOW, **change}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")
    assert not BacktestJob.objects.exists()


@pytest.mark.parametrize("job_id", ["99999999999999999999", str(2**63), "0", "abc", "1.0"])
@pytest.mark.parametrize("tail", ["", "/bets"])
def test_it_refuses_a_job_id_that_cannot_be_one_naming_it(api, pro_user, job_id, tail):
    response = api.as_user(pro_user).get(f"/api/v1/backtests/{job_id}{tail}")
    assert response.status_code == 400
    assert response.json()["message"].startswith("job_id:")


def test_start_and_end_alone_run_the_reference_strategy(
    api, pro_user, eager_celery, django_capture_on_commit_callbacks
):
    version = ModelVersion.objects.create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )
    predict(version, race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), win_rapports={1: "3.20"}), (0.5, 0.3, 0.2))
    predict(version, race_with(final=(1.5, 4.0, 9.0), positions=(1, 2, 3), course=2), (0.7, 0.2, 0.1))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(pro_user).post("/api/v1/backtests", WINDOW, format="json")
    assert response.status_code == 202
    job = api.get(f"/api/v1/backtests/{response.json()['id']}").json()
    strategy = job["strategy"]
    assert (strategy["selection"], strategy["edge"], strategy["bet_type"]) == ("value", 0.0, "simple_gagnant")
    assert (strategy["staking"], float(strategy["stake"])) == ("flat", 1.0)
    # Value at odds of 2.0 or more: saddle 1 of R1C1 (0.5 × 3.0), not the 1.5 favourite of R1C2.
    bets = api.get(f"/api/v1/backtests/{job['id']}/bets").json()["data"]
    assert [(bet["race_code"], bet["selection"], bet["stake"]) for bet in bets] == [("R1C1", "1", 1.0)]


def test_the_readme_names_the_body_post_backtests_takes():
    row = next(line for line in (settings.BASE_DIR / "README.md").open() if line.startswith("| `POST backtests`"))
    named = set(re.findall(r"`([a-z_]+)`", row.split("→")[0]))
    assert {"start", "end", "selection"} <= named
    assert named <= set(BacktestCreateSerializer().fields) | set(SELECTIONS)


def test_a_jobs_strategy_gives_its_money_as_numbers(api, pro_user):
    body = {**WINDOW, "stake": "2.50", "bankroll": "250"}
    created = api.as_user(pro_user).post("/api/v1/backtests", body, format="json").json()["strategy"]
    assert (created["stake"], created["bankroll"]) == (2.5, 250)
    # A job stored before (its money as strings) reads the same way, and runs the same strategy.
    old = BacktestJob.objects.create(
        owner=pro_user, params={**Strategy().as_params(), "stake": "1", "bankroll": "100"}, start=DAY, end=DAY
    )
    assert Strategy.from_params(old.params) == Strategy()
    shown = api.get(f"/api/v1/backtests/{old.pk}").json()["strategy"]
    listed = api.get("/api/v1/backtests").json()["data"]
    assert (shown["stake"], shown["bankroll"]) == (1, 100)
    assert [(job["strategy"]["stake"], job["strategy"]["bankroll"]) for job in listed] == [(1, 100), (2.5, 250)]


def test_a_combination_strategy_runs_as_a_job_that_shows_its_parameters_and_tickets(
    api, pro_user, eager_celery, django_capture_on_commit_callbacks
):
    version = ModelVersion.objects.create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )
    race = race_with(final=[5.0] * 5, positions=(2, 1, 3, 4, 5))
    Dividend.objects.create(race=race, bet_type=BetType.TRIO, combination="2-1-3", amount=Decimal("41.30"))
    predict(version, race, (0.35, 0.3, 0.2, 0.1, 0.05))
    body = {**WINDOW, "selection": "combinations", "bet_type": "trio", "combination_top_k": 2}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(pro_user).post("/api/v1/backtests", body, format="json")
    assert response.status_code == 202
    job = api.get(f"/api/v1/backtests/{response.json()['id']}").json()
    assert job["status"] == "done"
    strategy = job["strategy"]
    assert (strategy["selection"], strategy["bet_type"], strategy["combination_top_k"]) == ("combinations", "trio", 2)
    assert strategy["combination_min_probability"] is None
    assert (job["summary"]["bets"], job["summary"]["staked"], job["summary"]["returned"]) == (2, 2.0, 41.3)
    bets = api.get(f"/api/v1/backtests/{job['id']}/bets").json()["data"]
    assert [(bet["bet_type"], bet["selection"], bet["returned"]) for bet in bets] == [
        ("trio", "1-2-3", 41.3),
        ("trio", "1-2-4", 0.0),
    ]
    assert bets[0]["probability"] > bets[1]["probability"] > 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"selection": "combinations"}, "bet_type"),
        ({"selection": "top_pick", "combination_top_k": 3}, "combination_top_k"),
        ({"selection": "combinations", "bet_type": "trio", "combination_top_k": "3"}, "combination_top_k"),
        (
            {"selection": "combinations", "bet_type": "trio", "combination_min_probability": 0},
            "combination_min_probability",
        ),
    ],
)
def test_it_refuses_combination_parameters_that_do_not_go_together(api, pro_user, change, field):
    response = api.as_user(pro_user).post("/api/v1/backtests", {**WINDOW, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")
    assert not BacktestJob.objects.exists()
