"""The public track record in the API: closed days and their lines exactly as hashed, the results beside them, and
the README's recipe run as written against a running server."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from courses.models import Dividend
from predictions.models import RecordChain, TrackRecordDay
from predictions.tests.factories import DAY, closed_track_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_days():
    closed_track_record()


def test_the_days_are_listed_newest_first_without_logging_in(api, two_days):
    answer = api.get("/api/v1/track-record")
    assert answer.status_code == 200
    body = answer.json()
    assert [day["date"] for day in body["data"]] == ["2025-11-06", "2025-11-05"] and body["chain"] == "real"
    assert body["data"][1]["previous_day_hash"] == "0" * 64
    assert body["data"][0]["previous_day_hash"] == body["data"][1]["day_hash"]
    demo = api.get("/api/v1/track-record", {"chain": "demo"}).json()
    assert [day["date"] for day in demo["data"]] == ["2025-11-05"] and demo["data"][0]["runners"] == 3


def test_a_days_lines_hash_to_its_published_hash_and_the_results_are_beside(api, two_days):
    day = api.get("/api/v1/track-record/2025-11-05").json()
    lines_hash = hashlib.sha256("\n".join(day["lines"]).encode()).hexdigest()
    assert hashlib.sha256((day["previous_day_hash"] + lines_hash).encode()).hexdigest() == day["day_hash"]
    assert len(day["lines"]) == 3 and all('"race":"R1C1"' in line for line in day["lines"])  # the real race only
    (result,) = day["results"]
    assert result["race"] == "R1C1" and result["status"] == "finished"
    assert result["arrival"][:2] == [{"position": 1, "saddle": 2}, {"position": 2, "saddle": 1}]
    assert {"bet_type": "simple_gagnant", "combination": "2", "amount": "4.20"} in result["rapports"]
    assert Dividend.objects.filter(race__meeting__date=DAY).exists()


def test_the_records_performance_is_public_real_by_default_and_the_demo_apart(api, two_days):
    answer = api.get("/api/v1/track-record/performance")
    assert answer.status_code == 200
    real = answer.json()
    assert real["chain"] == "real" and real["races"] == 2 and len(real["calibration"]) == 10
    assert real["log_loss"] == pytest.approx(1.2040, abs=1e-4) and real["by_month"][0]["month"] == "2025-11"
    bets = real["value_bets"]
    assert (bets["bets"], bets["at_odds"]["profit"], bets["at_rapports"]["profit"]) == (4, "4.00", "4.40")
    assert bets["by_month"][0]["at_rapports"]["roi_ci95"] is not None
    demo = api.get("/api/v1/track-record/performance", {"chain": "demo"}).json()
    assert demo["chain"] == "demo" and demo["races"] == 1 and demo["value_bets"]["at_odds"]["profit"] == "-1.00"


@pytest.mark.parametrize(
    "path, status, error",
    [
        ("/api/v1/track-record/2025-11-07", 404, "not_found"),  # not closed
        ("/api/v1/track-record/2025-02-30", 400, "invalid_parameter"),
        ("/api/v1/track-record/yesterday", 400, "invalid_parameter"),
        ("/api/v1/track-record?chain=fake", 400, "invalid_parameter"),
        ("/api/v1/track-record/performance?chain=both", 400, "invalid_parameter"),
        ("/api/v1/track-record?start=2025-11-06&end=2025-11-05", 400, "invalid_parameter"),
    ],
)
def test_bad_days_and_chains_answer_in_the_envelope(api, two_days, path, status, error):
    answer = api.get(path)
    assert answer.status_code == status
    assert answer.json()["status"] == "error" and answer.json()["error"] == error


def _recipe() -> str:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- track-record-recipe -->", 1)[1].split("<!-- /track-record-recipe -->", 1)[0]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readmes_recipe_verifies_the_chain_from_the_api_and_catches_an_altered_day(live_server, two_days, capsys):
    recipe = _recipe().replace("http://127.0.0.1:8792", live_server.url)
    exec(compile(recipe, "README recipe", "exec"), {})
    head = TrackRecordDay.objects.get(chain=RecordChain.REAL, day=DAY + dt.timedelta(days=1)).day_hash
    assert capsys.readouterr().out.strip() == f"2 days verified, chain head {head}"
    # The same recipe against an answer someone altered: a line changed after the fact no longer hashes.
    altered = recipe.replace(
        'day = get(f"/{date}?chain=real")', 'day = get(f"/{date}?chain=real"); day["lines"][0] += " "'
    )
    with pytest.raises(AssertionError, match="altered"):
        exec(compile(altered, "README recipe", "exec"), {})
