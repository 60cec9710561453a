"""POST backtests and the job routes as a new subscriber meets them: bounds, defaults, what a job says back."""

import pytest

from wagering.models import BacktestJob

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
