"""A day fetched through the live feed closes into the public track record: PMU's stored responses replayed by a
local server (``courses/tests/conftest.py``), the morning programme, the odds, the off (the freeze), the arrival and
the rapports, then the day closed into the real chain, ``track_record_verify`` passing, and the README's recipe
recomputing the day's hash from the API."""

from __future__ import annotations

import copy
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from courses.feeds.pmu import PmuFeed
from courses.models import FeedResponse, OddsSnapshot, Race, RaceStatus, Source
from courses.schedule import feed_day, run_due_checks
from courses.tests.conftest import Replay, finished, morning, programme_path, race_path, shifted
from predictions.models import PublishedPrediction, PublishedStage, RecordChain, TrackRecordDay
from predictions.services.track_record import track_record_close_due, track_record_verify
from wagering.tests.test_track_record_api import _recipe


@pytest.fixture
def replay(httpserver, settings, data_dir) -> Replay:
    """PMU_API_URL pointed at the local server, as the feed's own tests have it."""
    settings.PMU_API_URL = httpserver.url_for("/rest/client")
    settings.PMU_FEED_RPS = 0
    settings.PMU_FEED_BACKOFF = 0
    settings.PMU_FEED_RETRIES = 2
    settings.PMU_FEED_TIMEOUT = 5
    settings.TURF_FEED = "pmu"
    return Replay(httpserver, data_dir / "pmu_api_json")


def only_r1c1(programme: dict) -> dict:
    """The programme reduced to its first race (the one whose runners, arrival and rapports are stored)."""
    data = copy.deepcopy(programme)
    reunion = data["programme"]["reunions"][0]
    reunion["courses"] = [c for c in reunion["courses"] if (c["numReunion"], c["numOrdre"]) == (1, 1)]
    data["programme"]["reunions"] = [reunion]
    return data


def _aged() -> None:
    """Time passes: the programme read this morning is too old to be reused for the results."""
    FeedResponse.objects.update(fetched_at=F("fetched_at") - dt.timedelta(hours=3))
    OddsSnapshot.objects.update(taken_at=F("taken_at") - dt.timedelta(hours=3))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_day_fetched_through_the_live_feed_closes_into_the_real_chain_and_verifies(replay, live_server, capsys):
    day = timezone.localdate() + dt.timedelta(days=1)  # a day to come: its race is still to be run
    stored = replay.data("programme_05112025.json")
    participants = replay.data("participants_R1_C1.json")
    programme = only_r1c1(shifted(stored, day))
    replay.serve(programme_path(day), programme)
    replay.serve(race_path("participants", day=day), morning(participants, stamp=timezone.now()))

    # The morning step: the programme read, the race scored and its morning prediction published, checks planned.
    fed, planned = feed_day(date=day, feed=PmuFeed())
    race = Race.objects.get(meeting__date=day)
    assert race.source == Source.PMU and fed.races_created == 1 and planned.created >= 3
    assert PublishedPrediction.objects.filter(runner__race=race, stage=PublishedStage.MORNING).count() == 14

    # The off: the last odds read, then the prediction served at that moment frozen.
    tick = run_due_checks(now=race.start_time, feed=PmuFeed())
    assert tick.failed == 0 and tick.ran >= 2
    off = PublishedPrediction.objects.filter(runner__race=race, stage=PublishedStage.OFF)
    assert off.count() == 14 and all(row.scored_at <= race.start_time for row in off)

    # The race run: arrival and rapports through the results check.
    _aged()
    replay.serve(programme_path(day), finished(programme, stored, (1, 1), rapports=True))
    replay.serve(race_path("participants", day=day), replay.file("participants_R1_C1.json"))
    replay.serve(race_path("rapports", day=day), replay.file("rapports_R1_C1.json"))
    run_due_checks(now=race.start_time + dt.timedelta(minutes=30), feed=PmuFeed())
    race.refresh_from_db()
    assert race.status == RaceStatus.FINISHED and race.results_official

    # Every race of the day off: the day closes into the real chain, never the demo's.
    closings = track_record_close_due(now=race.start_time + dt.timedelta(days=1))
    assert [(c.day, bool(c.record)) for c in closings] == [(day, True)]
    record = TrackRecordDay.objects.get(day=day)
    assert record.chain == RecordChain.REAL and (record.races, record.runners) == (1, 14)
    assert not TrackRecordDay.objects.filter(chain=RecordChain.DEMO).exists()
    line = json.loads(record.lines.order_by("position").first().text)
    assert line["race"] == "R1C1" and line["date"] == day.isoformat() and line["race_status"] == "finished"

    assert track_record_verify(chain=RecordChain.REAL).ok
    out = StringIO()
    call_command("track_record_verify", "--no-progress", stdout=out, stderr=StringIO())
    assert record.day_hash in out.getvalue()

    # The README's recipe, as written, against the API: the day's lines hash to its published day_hash.
    exec(compile(_recipe().replace("http://127.0.0.1:8792", live_server.url), "README recipe", "exec"), {})
    assert capsys.readouterr().out.strip() == f"1 days verified, chain head {record.day_hash}"
    results = api_results(live_server.url, day)
    assert results[0]["arrival"][0] == {"position": 1, "saddle": 7} and results[0]["rapports"]


def api_results(url: str, day: dt.date) -> list[dict]:
    import urllib.request

    with urllib.request.urlopen(f"{url}/api/v1/track-record/{day.isoformat()}?chain=real") as answer:
        return json.load(answer)["results"]


DEMO_TODAY = dt.date(2026, 3, 15)  # a Sunday of the demo programme: 3 réunions, 7 races


def paris(hour: int, minute: int = 0, day: dt.date = DEMO_TODAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.django_db
def test_a_demo_day_lived_through_the_demo_feed_closes_into_the_demo_chain_only(settings, monkeypatch):
    from courses.feeds.demo import DemoFeed

    settings.TURF_FEED = "demo"
    call_command(
        "load_demo",
        "--start",
        (DEMO_TODAY - dt.timedelta(days=10)).isoformat(),
        "--today",
        DEMO_TODAY.isoformat(),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    clock = {"now": paris(6, 30)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])  # the whole project lives the day
    feed_day(date=DEMO_TODAY, feed=DemoFeed())
    moment = paris(11)
    while moment <= paris(21):
        clock["now"] = moment
        run_due_checks(now=moment, feed=DemoFeed())
        moment += dt.timedelta(minutes=5)
    races = Race.objects.filter(meeting__date=DEMO_TODAY, source=Source.DEMO)
    off = PublishedPrediction.objects.filter(stage=PublishedStage.OFF, runner__race__in=races)
    assert races.count() == 7 and off.values("runner__race").distinct().count() == 7
    rows = off.select_related("runner__race")
    assert all(row.scored_at <= row.runner.race.start_time <= row.published_at for row in rows)

    clock["now"] = paris(6, day=DEMO_TODAY + dt.timedelta(days=1))
    closings = track_record_close_due()
    assert [(c.day, c.record.chain) for c in closings] == [(DEMO_TODAY, RecordChain.DEMO)]
    assert not TrackRecordDay.objects.filter(chain=RecordChain.REAL).exists()
    assert TrackRecordDay.objects.get().races == 7 and track_record_verify(chain=RecordChain.DEMO).ok
