"""Freezing what was published before each race, and the receivers of the live feed's signals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from courses.models import Race, Runner, RunnerStatus
from courses.signals import races_changed, races_off
from predictions.models import ModelKind, ModelVersion, Prediction, PublishedPrediction, PublishedStage
from predictions.services import scoring
from predictions.services.published import (
    ALREADY_FROZEN,
    NO_PREDICTION,
    NO_SUCH_RACE,
    SCORED_AFTER_THE_OFF,
    predictions_freeze,
)
from predictions.services.scoring import predictions_score_races
from predictions.services.versions import model_version_activate, model_version_active
from wagering.selectors import value_bet_list

from .factories import live_day, live_race

pytestmark = pytest.mark.django_db


def _published(race, stage=PublishedStage.OFF) -> dict[int, tuple]:
    rows = PublishedPrediction.objects.filter(runner__race=race, stage=stage).select_related("runner")
    return {
        p.runner.saddle_number: (p.win_probability, p.rank, p.odds, p.odds_at, p.scored_at, p.published_at)
        for p in rows
    }


def _win(race, version=None) -> dict[int, float]:
    version = version or model_version_active()
    rows = Prediction.objects.filter(runner__race=race, model_version=version).select_related("runner")
    return {p.runner.saddle_number: p.win_probability for p in rows}


def _gone_off(race: Race) -> None:
    """The race's off passes after its last scoring: its start time is now."""
    Race.objects.filter(pk=race.pk).update(start_time=timezone.now())


# -- predictions_freeze ---------------------------------------------------------------------


def test_the_morning_freeze_copies_the_active_versions_rows_with_the_time_of_their_odds():
    odds_at = timezone.now() - dt.timedelta(minutes=3)
    race = live_race(final=None, morning=[2.0, 4.0, 4.0])
    Race.objects.filter(pk=race.pk).update(odds_at=odds_at)
    predictions_score_races(race_ids=[race.pk])
    report = predictions_freeze(race_ids=[race.pk], stage=PublishedStage.MORNING)
    assert (report.stage, report.model_version, report.races_frozen, report.predictions) == (
        "morning",
        "market-baseline-1",
        1,
        3,
    )
    assert report.not_frozen == {} and report.skipped == {}
    rows = _published(race, PublishedStage.MORNING)
    scored = {p.runner.saddle_number: p for p in Prediction.objects.filter(runner__race=race).select_related("runner")}
    assert {s: (win, rank, odds) for s, (win, rank, odds, *_) in rows.items()} == {
        1: (pytest.approx(0.5), 1, Decimal("2.00")),
        2: (pytest.approx(0.25), 2, Decimal("4.00")),
        3: (pytest.approx(0.25), 3, Decimal("4.00")),
    }
    assert all(row[3] == odds_at and row[4] == scored[s].scored_at for s, row in rows.items())
    assert all(row[5] >= row[4] for row in rows.values())
    assert _published(race, PublishedStage.OFF) == {}


def test_a_second_freeze_of_a_race_and_stage_changes_nothing_even_after_a_rescore():
    race = live_race(final=[2.0, 4.0, 4.0])
    predictions_score_races(race_ids=[race.pk])
    predictions_freeze(race_ids=[race.pk], stage=PublishedStage.MORNING)
    before = _published(race, PublishedStage.MORNING)
    Runner.objects.filter(race=race, saddle_number=1).update(final_odds=Decimal("1.50"))
    predictions_score_races(race_ids=[race.pk])
    again = predictions_freeze(race_ids=[race.pk], stage=PublishedStage.MORNING)
    assert (again.races_frozen, again.predictions, again.not_frozen) == (0, 0, {race.pk: ALREADY_FROZEN})
    assert _published(race, PublishedStage.MORNING) == before
    # The other stage is its own: frozen now, from the rescored rows.
    off = predictions_freeze(race_ids=[race.pk], stage=PublishedStage.OFF)
    assert off.predictions == 3 and _published(race)[1][0] == pytest.approx(_win(race)[1])
    assert _published(race)[1][0] != before[1][0]


def test_the_off_freeze_takes_only_a_prediction_scored_before_the_off():
    now = timezone.now()
    before_off = live_race(final=[2.0, 4.0, 4.0], start_time=now + dt.timedelta(hours=1))
    after_off = live_race(final=[2.0, 4.0, 4.0], course=2, start_time=now + dt.timedelta(hours=1))
    predictions_score_races(race_ids=[before_off.pk, after_off.pk])
    # One race was scored before its off; the other's start time turns out to be before its rows were scored.
    Race.objects.filter(pk=after_off.pk).update(start_time=now - dt.timedelta(minutes=5))
    unpredicted = live_race(final=[2.0, None], course=3)  # partially priced: no prediction
    report = predictions_freeze(race_ids=[before_off.pk, after_off.pk, unpredicted.pk, 999999], stage="off")
    assert (report.races_frozen, report.predictions) == (1, 3)
    assert report.not_frozen == {
        after_off.pk: SCORED_AFTER_THE_OFF,
        unpredicted.pk: NO_PREDICTION,
        999999: NO_SUCH_RACE,
    }
    assert report.skipped == {SCORED_AFTER_THE_OFF: 1, NO_PREDICTION: 1, NO_SUCH_RACE: 1}
    assert sorted(_published(before_off)) == [1, 2, 3] and _published(after_off) == {}


def test_a_freeze_is_refused_for_a_stage_that_is_not_one():
    with pytest.raises(ValueError):
        predictions_freeze(race_ids=[], stage="evening")


# -- receivers ------------------------------------------------------------------------------


def test_the_programme_rescores_the_races_and_freezes_the_morning_prediction():
    race = live_race(final=None, morning=[2.0, 4.0, 4.0])
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="programme")
    assert _win(race) == {1: pytest.approx(0.5), 2: pytest.approx(0.25), 3: pytest.approx(0.25)}
    assert sorted(_published(race, PublishedStage.MORNING)) == [1, 2, 3]


def test_new_odds_rescore_the_race_without_a_morning_freeze():
    race = live_race(final=None, morning=[2.0, 4.0, 4.0])
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="programme")
    Runner.objects.filter(race=race).update(final_odds=Decimal("3.00"))
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    assert _win(race) == {s: pytest.approx(1 / 3) for s in (1, 2, 3)}
    assert _published(race, PublishedStage.MORNING)[1][0] == pytest.approx(0.5)  # the morning's stands
    assert PublishedPrediction.objects.filter(stage=PublishedStage.OFF).count() == 0


def test_a_race_gone_off_is_not_rescored_by_a_late_signal():
    race = live_race(final=[2.0, 4.0, 4.0])
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    _gone_off(race)
    Runner.objects.filter(race=race).update(final_odds=Decimal("3.00"))
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    assert _win(race)[1] == pytest.approx(0.5)


def test_the_off_freezes_what_was_served_and_later_rescoring_never_rewrites_it():
    race = live_race(final=[2.0, 4.0, 4.0])
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    _gone_off(race)
    responses = races_off.send_robust(sender=None, race_ids=[race.pk])
    assert [error for _, error in responses if isinstance(error, Exception)] == []
    frozen = _published(race)
    assert {s: row[0] for s, row in frozen.items()} == pytest.approx({1: 0.5, 2: 0.25, 3: 0.25})
    Runner.objects.filter(race=race).update(final_odds=Decimal("3.00"))
    scoring.predictions_score_report(start=live_day(), end=live_day())
    races_off.send_robust(sender=None, race_ids=[race.pk])
    assert _published(race) == frozen and _win(race)[1] == pytest.approx(0.5)


def _uniform(frame, version, start, end) -> dict:
    """A 'model' that rates every runner of a race alike: it finds value in the outsiders."""
    result = scoring._market_predictions(frame)
    scored = result["scored"]
    codes = np.unique(frame.race_id, return_inverse=True)[1].reshape(-1)
    field = np.bincount(codes, weights=scored)[codes]
    result["win"] = np.where(scored, 1 / np.maximum(field, 1), np.nan)
    result["market"] = result["win"].copy()
    result["explanation"] = None
    return result


@pytest.fixture
def uniform_model(monkeypatch):
    monkeypatch.setitem(scoring._SCORERS, ModelKind.FUNDAMENTAL, _uniform)
    version = ModelVersion.objects.create(
        version="uniform-1", kind=ModelKind.FUNDAMENTAL, artifact="{}", trained_until=dt.date(2025, 1, 1)
    )
    return model_version_activate(model_version=version)


def test_a_late_non_partant_leaves_the_probabilities_and_its_value_bets_disappear(uniform_model):
    race = live_race(final=[2.0, 4.0, 8.0, 8.0])
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    assert _win(race) == {s: pytest.approx(0.25) for s in (1, 2, 3, 4)}
    bets = value_bet_list(day=live_day())
    assert sorted(b["saddle_number"] for b in bets) == [3, 4]  # 0.25 × 8 − 1 = 1

    # Declared non-partant late: the writer marks it, the feed announces the race.
    Runner.objects.filter(race=race, saddle_number=4).update(status=RunnerStatus.NON_PARTANT, final_odds=None)
    races_changed.send_robust(sender=None, race_ids=[race.pk], reason="odds")
    assert _win(race) == {s: pytest.approx(1 / 3) for s in (1, 2, 3)}
    bets = value_bet_list(day=live_day())
    assert sorted(b["saddle_number"] for b in bets) == [2, 3]  # 1/3 × 4 − 1 = 0.33, 1/3 × 8 − 1 = 1.67
    assert 4 not in {b["saddle_number"] for b in value_bet_list(day=live_day(), min_odds=1.0, edge=-1.0)}


def test_a_failing_rescore_is_reported_to_the_sender_and_writes_nothing():
    race = live_race(final=[2.0, 4.0, 4.0])
    broken = ModelVersion.objects.create(version="xgb-1", kind=ModelKind.FUNDAMENTAL)  # no artifact
    model_version_activate(model_version=broken)
    responses = races_changed.send_robust(sender=None, race_ids=[race.pk], reason="programme")
    errors = [error for _, error in responses if isinstance(error, Exception)]
    assert len(errors) == 1 and "without a trained artifact" in str(errors[0])
    assert not Prediction.objects.exists() and not PublishedPrediction.objects.exists()
