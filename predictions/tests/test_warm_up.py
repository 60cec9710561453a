"""``warm_up`` (what ``make run`` does before serving) and the issue's finding: a model promoted later never
rewrites what past race cards show."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.models import Race, RaceStatus
from predictions.models import (
    ModelKind,
    ModelStatus,
    ModelVersion,
    Prediction,
    PublishedPrediction,
    PublishedStage,
    RecordChain,
    TrackRecordDay,
)
from predictions.selectors import race_card_by_id
from predictions.services.published import predictions_freeze
from predictions.services.registry import model_train
from predictions.services.track_record import track_record_verify
from predictions.services.versions import model_version_activate

from .factories import call_quiet

HOLDOUT = 20
REPLAYED = 5  # the demo's past days published at their offs and closed into the demo chain


def _predicted_races(version: ModelVersion, days) -> set[int]:
    return set(
        Prediction.objects.filter(model_version=version, runner__race__meeting__date__in=days).values_list(
            "runner__race_id", flat=True
        )
    )


def _card(race_id: int) -> tuple:
    card = race_card_by_id(race_id=race_id)
    return card["basis"], card["model_version"], [row["win_probability"] for row in card["rows"]]


@pytest.mark.django_db
def test_warm_up_scores_out_of_sample_and_a_later_model_leaves_past_cards_alone(settings):
    settings.TRACK_RECORD_DEMO_DAYS = REPLAYED
    today = timezone.localdate()
    call_command(
        "load_demo",
        "--start",
        str(today - dt.timedelta(days=45)),
        "--today",
        str(today),
        "--seed",
        "5",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    cutoff = today - dt.timedelta(days=HOLDOUT)
    out = call_quiet("warm_up", "--holdout", str(HOLDOUT))
    first = ModelVersion.objects.exclude(kind=ModelKind.MARKET).get()
    active = ModelVersion.objects.get(status=ModelStatus.ACTIVE)
    assert "rescore" in out
    # make run gets a trained model (promoted when it beats the market) and scored held-out days, today and
    # tomorrow, out of sample: the days it trained on are left alone.
    assert first.trained_until < cutoff
    held_out = [cutoff + dt.timedelta(days=d) for d in range(HOLDOUT)]
    days = set(Race.objects.values_list("meeting__date", flat=True))
    assert {today, today + dt.timedelta(days=1)} <= days
    scored_days = set(
        Prediction.objects.filter(model_version=active).values_list("runner__race__meeting__date", flat=True)
    )
    assert set(held_out) & days <= scored_days and {today, today + dt.timedelta(days=1)} <= scored_days
    if active.pk == first.pk:
        assert min(scored_days) > first.trained_until
    next_day = today + dt.timedelta(days=1)
    tomorrow = set(
        Race.objects.filter(meeting__date=next_day, status=RaceStatus.SCHEDULED).values_list("pk", flat=True)
    )
    assert tomorrow and _predicted_races(active, [next_day]) == tomorrow

    # The demo's last past days were published at their offs by the walk-forward version, and closed into the demo
    # chain (a new install shows a working record); the days before are not.
    replayed = held_out[-REPLAYED:]
    closed = list(TrackRecordDay.objects.filter(chain=RecordChain.DEMO).order_by("day").values_list("day", flat=True))
    assert closed == sorted(set(replayed) & days) and not TrackRecordDay.objects.filter(chain=RecordChain.REAL)
    assert track_record_verify(chain=RecordChain.DEMO).ok
    published = PublishedPrediction.objects.filter(stage=PublishedStage.OFF).select_related("runner__race")
    assert {row.runner.race.meeting.date for row in published.select_related("runner__race__meeting")} == set(closed)
    assert all(row.scored_at < row.runner.race.start_time == row.published_at for row in published)
    assert {row.model_version_id for row in published} == {active.pk}  # trained before every replayed day
    assert f"{len(closed)} days closed into the demo chain" in out

    # One held-out race was served live: what was published at its off is frozen.
    served = Race.objects.filter(
        meeting__date=held_out[-REPLAYED - 5], pk__in=_predicted_races(active, held_out)
    ).first()
    Prediction.objects.filter(runner__race=served, model_version=active).update(
        scored_at=served.start_time - dt.timedelta(minutes=2)
    )
    assert predictions_freeze(race_ids=[served.pk], stage=PublishedStage.OFF).races_frozen == 1
    never_live = Race.objects.filter(meeting__date=held_out[0], pk__in=_predicted_races(active, held_out)).first()
    past_cards = {race.pk: _card(race.pk) for race in (served, never_live)}
    assert past_cards[served.pk][0] == "published" and past_cards[never_live.pk][0] == "walk_forward"
    assert {past_cards[r][1] for r in past_cards} == {active.version}

    # The issue: a model trained through yesterday is promoted, then warm_up rescores the past window.
    late = model_train(until=today)
    assert late.trained_until == today - dt.timedelta(days=1)
    model_version_activate(model_version=late)
    out = call_quiet("warm_up", "--holdout", str(HOLDOUT))
    assert f"warm_up: {late.version} is active; not retraining" in out
    assert _predicted_races(late, held_out) == set()  # it could not vouch for a day it learnt from
    assert {race_id: _card(race_id) for race_id in past_cards} == past_cards
    # The races still to come are the late model's: the live card follows the active version.
    to_come = _predicted_races(late, [next_day])
    assert to_come == tomorrow and _card(min(to_come))[:2] == ("live", late.version)
