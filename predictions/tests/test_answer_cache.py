"""The API's cached answers (``turf.cache``, ``TurfAPIView.answer_cached``): the same body without a query, never
stale after a rescore, a model's activation or an import, never shared between plans that see it differently, and
always behind the gate (limits, quota, self-exclusion)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.self_exclusion import self_exclusion_start
from courses.models import Runner
from predictions.models import ModelKind, ModelVersion
from predictions.services.scoring import predictions_score, predictions_score_races
from predictions.services.versions import model_version_activate

from .factories import live_day, live_race

pytestmark = pytest.mark.django_db


def _card_url() -> str:
    return f"/api/v1/courses/R1C1/predictions?date={live_day().isoformat()}"


def _wins(answer) -> dict[int, float]:
    return {row["saddle_number"]: row["win_probability"] for row in answer.json()["data"]}


@pytest.fixture
def scored_race():
    race = live_race(final=[2.0, 4.0, 4.0])
    predictions_score(start=live_day(), end=live_day())
    return race


def test_a_cached_read_answers_the_same_body_without_a_query_and_still_counts(api, pro_user, scored_race):
    api.as_user(pro_user)
    first = api.get(_card_url())
    with CaptureQueriesContext(connection) as queries:
        second = api.get(_card_url())
    assert second.status_code == 200 and second.content == first.content
    assert len(queries) == 0
    assert int(second["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1


def test_after_a_rescore_the_next_read_shows_the_new_probabilities(api, pro_user, scored_race):
    api.as_user(pro_user)
    assert _wins(api.get(_card_url())) == pytest.approx({1: 0.5, 2: 0.25, 3: 0.25})
    # New odds arrive (written in bulk, no signal) and the race is rescored: the scoring makes the answer stale.
    Runner.objects.filter(race=scored_race, saddle_number=2).update(final_odds=Decimal("2.00"))
    predictions_score_races(race_ids=[scored_race.pk])
    assert _wins(api.get(_card_url())) == pytest.approx({1: 0.4, 2: 0.4, 3: 0.2})


def test_after_a_model_is_activated_the_next_read_is_the_new_models(api, pro_user, scored_race):
    api.as_user(pro_user)
    before = api.get(_card_url()).json()
    new = ModelVersion.objects.create(version="market-baseline-2", kind=ModelKind.MARKET)
    ModelVersion.objects.filter(pk=new.pk).update(version="market-baseline-2")  # no signal: the service says it
    model_version_activate(model_version=new)
    predictions_score_races(race_ids=[scored_race.pk])
    after = api.get(_card_url()).json()
    assert before["model_version"] != after["model_version"] == "market-baseline-2"


def test_plans_that_see_an_endpoint_differently_never_share_an_answer(api, free_user, pro_user, scored_race):
    top3 = f"/api/v1/predictions/top3?date={live_day().isoformat()}"
    assert api.as_user(pro_user).get(top3).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        free = api.as_user(free_user).get(top3)
    assert free.status_code == 200 and len(queries) > 0  # computed for the free plan, not the pro's answer
    # The free plan's quota (one top3 a day) is counted before any answer, cached or not.
    refused = api.as_user(free_user).get(top3)
    assert refused.status_code == 429 and refused.json()["error"] == "quota_exceeded"
    # A plan without the feature is refused before the cache is asked.
    answer = api.as_user(free_user).get(f"/api/v1/valuebets?date={live_day().isoformat()}")
    assert answer.status_code == 403 and answer.json()["error"] == "plan_required"


def test_a_self_excluded_user_is_refused_whatever_is_cached(api, pro_user, premium_user, scored_race):
    valuebets = f"/api/v1/valuebets?date={live_day().isoformat()}"
    assert api.as_user(pro_user).get(valuebets).status_code == 200
    assert api.as_user(premium_user).get(valuebets).status_code == 200  # cached for both plans now
    self_exclusion_start(user=premium_user, days=7)
    answer = api.as_user(premium_user).get(valuebets)
    assert answer.status_code == 403 and answer.json()["error"] == "self_excluded"
    assert api.as_user(pro_user).get(valuebets).status_code == 200


def test_an_answer_is_cached_no_longer_than_until_the_next_race_goes_off(api, pro_user, monkeypatch):
    from django.utils import timezone

    from turf import cache as turf_cache

    live_race(final=[2.0, 4.0, 4.0], start_time=timezone.now() + timezone.timedelta(seconds=20))
    predictions_score(start=live_day(), end=live_day())
    stored = []
    monkeypatch.setattr(turf_cache, "set_quietly", lambda key, value, timeout, what: stored.append(timeout))
    api.as_user(pro_user).get(_card_url())
    assert stored and stored[-1] <= 20
