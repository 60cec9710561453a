"""``GET models`` and ``GET models/{version}``: the model registry as a subscriber reads it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from predictions.services.versions import market_baseline

from .factories import registered_version

pytestmark = pytest.mark.django_db


def test_the_registry_lists_every_version_the_newest_first_with_its_held_out_figures_beside_the_markets(
    api, premium_user
):
    market_baseline()
    active = registered_version("combined-all-20251101-1", active=True, log_loss=1.93, market_log_loss=1.96)
    rerun = registered_version("combined-all-20251102-1", rerun=True, sources=("pmu",))
    body = api.as_user(premium_user).get("/api/v1/models").json()

    assert body["pagination"] == {"total": 3, "limit": 20, "offset": 0, "has_more": False}
    rows = {row["version"]: row for row in body["data"]}
    assert [row["version"] for row in body["data"]] == [rerun.version, active.version, "market-baseline-1"]
    row = rows[active.version]
    assert row["active"] is True and row["status"] == "active" and row["kind"] == "combined"
    assert (row["trained_from"], row["trained_until"]) == ("2024-01-01", "2025-10-31")
    assert row["sources"] == ["pmu", "hkjc"] and row["features"] == ["age", "weight", "draw"]
    held_out = row["held_out"]
    assert (held_out["start"], held_out["end"]) == ("2025-09-01", "2025-10-31")
    assert held_out["model"]["log_loss"] == 1.93 and held_out["market"]["log_loss"] == 1.96
    assert held_out["model"]["races"] == held_out["market"]["races"] == 120  # the same races
    assert set(held_out["model"]) == {"races", "log_loss", "pseudo_r2", "brier", "top1_accuracy"}
    assert row["promoted_at"] is not None and row["rerun"] is False and row["fingerprint"] == "f" * 64
    assert rows[rerun.version]["rerun"] is True and rows[rerun.version]["active"] is False
    assert rows[rerun.version]["promotion"]["rule"] == "strictly better (a rerun)"
    market = rows["market-baseline-1"]
    assert market["held_out"] is None and market["sources"] == [] and market["trained_until"] is None
    assert "artifact" not in row and "params" not in row


def test_the_registry_is_paginated_the_house_way(api, premium_user):
    for day in range(1, 4):
        registered_version(f"combined-all-202511{day:02}-1")
    body = api.as_user(premium_user).get("/api/v1/models?limit=2&offset=1").json()
    assert [row["version"] for row in body["data"]] == ["combined-all-20251102-1", "combined-all-20251101-1"]
    assert body["pagination"] == {"total": 3, "limit": 2, "offset": 1, "has_more": False}


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(url)
    assert answer.status_code == 200, answer.content
    return len(queries)


def test_the_registry_costs_the_same_queries_for_one_version_as_for_twenty(api, premium_user):
    client = api.as_user(premium_user)
    client.get("/api/v1/auth/me")  # the user's snapshot cached, as after any earlier request
    registered_version("combined-all-20251101-1", active=True)
    one = _queries(client, "/api/v1/models")
    for n in range(2, 21):
        registered_version(f"combined-all-20251101-{n}")
    assert _queries(client, "/api/v1/models") == one <= 4
    assert _queries(client, "/api/v1/models/combined-all-20251101-7") <= one


def test_one_version_by_its_name(api, premium_user):
    registered_version("combined-all-20251101-1", active=True)
    body = api.as_user(premium_user).get("/api/v1/models/combined-all-20251101-1").json()
    assert body["data"]["version"] == "combined-all-20251101-1" and body["data"]["active"] is True
    assert body["data"]["held_out"]["market"]["log_loss"] == 1.97


def test_an_unknown_version_is_a_404_and_a_name_no_version_can_have_a_400_in_the_envelope(api, pro_user):
    client = api.as_user(pro_user)
    missing = client.get("/api/v1/models/combined-all-19990101-1")
    assert missing.status_code == 404
    assert missing.json()["status"] == "error" and "combined-all-19990101-1" in missing.json()["message"]
    bad = client.get("/api/v1/models/" + "x" * 61)
    assert bad.status_code == 400
    body = bad.json()
    assert body["status"] == "error" and "version" in body["message"] and body["request_id"]
    assert client.get("/api/v1/models/-leading-dash").status_code == 400


def test_the_free_plan_is_told_which_plan_opens_the_registry(api, free_user):
    body = api.as_user(free_user).get("/api/v1/models").json()
    assert body["error"] == "plan_required" and "Premium" in body["message"]
