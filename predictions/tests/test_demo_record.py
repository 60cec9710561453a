"""The demo's past days published at their offs, as their live day would have, and closed into the demo chain: the
walk-forward version only, scored before each off and frozen at it, real races never touched."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from courses.models import Race, Source
from predictions.models import ModelKind, ModelVersion, PublishedPrediction, PublishedStage, RecordChain, TrackRecordDay
from predictions.services import scoring
from predictions.services.demo_record import track_record_demo_replay
from predictions.services.track_record import track_record_verify
from predictions.services.versions import MARKET_BASELINE, model_version_activate

from .factories import publish, race_with
from .test_published import _uniform

pytestmark = pytest.mark.django_db


def demo_race(day: dt.date, course: int, *, hour: int = 13) -> Race:
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    race = race_with(final=(2.0, 4.0, 8.0), positions=(2, 1, 3), date=day, course=course, start_time=start)
    Race.objects.filter(pk=race.pk).update(source=Source.DEMO)
    race.refresh_from_db()
    return race


@pytest.fixture
def trained(monkeypatch):
    """An active trained model (it rates the runners of a race alike), trained until ``trained.until``."""
    monkeypatch.setitem(scoring._SCORERS, ModelKind.FUNDAMENTAL, _uniform)
    today = timezone.localdate()
    version = ModelVersion.objects.create(
        version="uniform-1", kind=ModelKind.FUNDAMENTAL, artifact="{}", trained_until=today - dt.timedelta(days=3)
    )
    return model_version_activate(model_version=version)


def _versions_by_day() -> dict[dt.date, set[str]]:
    found: dict[dt.date, set[str]] = {}
    for record in TrackRecordDay.objects.filter(chain=RecordChain.DEMO):
        for text in record.lines.values_list("text", flat=True):
            found.setdefault(record.day, set()).add(json.loads(text)["model_version"])
    return found


def test_past_demo_days_are_published_by_the_walk_forward_version_and_closed_into_the_demo_chain(trained):
    today = timezone.localdate()
    learnt, unseen = today - dt.timedelta(days=3), today - dt.timedelta(days=2)
    for day in (learnt, unseen):
        demo_race(day, 1, hour=12)
        demo_race(day, 2, hour=15)
    real = race_with(date=unseen, course=3, start_time=dt.datetime.combine(unseen, dt.time(14), tzinfo=dt.UTC))

    report = track_record_demo_replay(days=5)

    assert report.closed == [learnt, unseen] and report.races_frozen == 4
    # The model trained through `learnt` never speaks for it: the market does; the day after, the model.
    assert _versions_by_day() == {learnt: {MARKET_BASELINE}, unseen: {"uniform-1"}}
    published = PublishedPrediction.objects.filter(stage=PublishedStage.OFF).select_related("runner__race")
    assert all(row.scored_at < row.runner.race.start_time == row.published_at for row in published)
    assert not published.filter(runner__race=real).exists()  # a real race is the live day's, never replayed
    assert not TrackRecordDay.objects.filter(chain=RecordChain.REAL).exists()
    assert track_record_verify(chain=RecordChain.DEMO).ok

    again = track_record_demo_replay(days=5)  # a restart: nothing written twice
    assert again.races_frozen == 0 and again.closed == [] and TrackRecordDay.objects.count() == 2
    # A longer window later: the days before the chain's head stay out of it (the chain only grows at its head).
    demo_race(today - dt.timedelta(days=4), 1)
    wider = track_record_demo_replay(days=10)
    assert wider.days == 0 and wider.closed == [] and track_record_verify(chain=RecordChain.DEMO).ok


def test_a_race_the_live_day_froze_is_kept_and_days_outside_the_window_are_left_alone(trained):
    today = timezone.localdate()
    yesterday, long_ago = today - dt.timedelta(days=1), today - dt.timedelta(days=20)
    served = demo_race(yesterday, 1)
    publish(served, (0.5, 0.3, 0.2))  # what the live demo feed froze at its off
    demo_race(yesterday, 2, hour=16)
    demo_race(long_ago, 1)
    report = track_record_demo_replay(days=5)
    assert report.closed == [yesterday] and report.races_frozen == 1
    lines = [json.loads(t) for t in TrackRecordDay.objects.get(day=yesterday).lines.values_list("text", flat=True)]
    assert {(line["race"], line["model_version"]) for line in lines} == {("R1C1", "published-1"), ("R1C2", "uniform-1")}
    assert track_record_demo_replay(days=0).days == 0
