"""The demo feed: the synthetic day lives as a real one behind the same schedule — morning line, odds moving to
the off, late non-partants, the off, then the arrival and the rapports once the race is run, and not before."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.demo import DemoGenerator
from courses.feeds.demo import DemoFeed, _day, odds_on_the_way, race_at
from courses.models import (
    CheckKind,
    FeedSource,
    OddsSnapshot,
    Race,
    RaceStatus,
    Runner,
    RunnerStatus,
    ScheduledCheck,
    Source,
)
from courses.schedule import run_due_checks, schedule_day
from courses.signals import races_changed, results_written

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)  # a Sunday: 3 réunions, 7 races
START = TODAY - dt.timedelta(days=20)
QUINTE = "20260315-VIN-C2"  # off at 15:15, run by 15:19
LATE_NP = "20260315-VIN-C1"  # off at 14:40; saddle 1 and 9 will not start


def paris(hour: int, minute: int = 0, second: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture
def demo_day():
    """The demo programme published on TODAY (history from START, today's and tomorrow's races to come)."""
    call_command(
        "load_demo",
        "--start",
        START.isoformat(),
        "--today",
        TODAY.isoformat(),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )


def feed_at(moment: dt.datetime) -> DemoFeed:
    return DemoFeed(clock=lambda: moment)


@pytest.fixture
def frozen(monkeypatch):
    """Set the project's clock (what ``announce`` asks to know which races are still to come)."""
    moment = {"now": None}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])

    def set_to(value: dt.datetime) -> DemoFeed:
        moment["now"] = value
        return DemoFeed()

    return set_to


def race(source_id: str) -> Race:
    return Race.objects.select_related("meeting").get(source=Source.DEMO, source_id=source_id)


def runners(source_id: str) -> dict[int, Runner]:
    return {r.saddle_number: r for r in Runner.objects.filter(race__source_id=source_id)}


@pytest.fixture
def signals():
    seen = {"results": 0, "changed": []}

    def on_results(sender, source, **kwargs):
        seen["results"] += 1

    def on_changed(sender, race_ids, reason, **kwargs):
        seen["changed"].append((sorted(race_ids), reason))

    results_written.connect(on_results, dispatch_uid="test-demo-results")
    races_changed.connect(on_changed, dispatch_uid="test-demo-changed")
    yield seen
    results_written.disconnect(dispatch_uid="test-demo-results")
    races_changed.disconnect(dispatch_uid="test-demo-changed")


def test_a_race_gets_its_results_after_its_off_and_not_before(demo_day, signals):
    quinte = race(QUINTE)
    assert quinte.start_time == paris(15, 15)

    before = feed_at(paris(15, 14)).race(race=quinte, results=True)
    quinte.refresh_from_db()
    assert quinte.status == RaceStatus.SCHEDULED and not quinte.results_official
    assert before.not_published == [f"{quinte.code} rapports"]
    assert quinte.dividends.count() == 0
    assert all(r.position is None for r in runners(QUINTE).values())

    running = feed_at(paris(15, 18, 59)).race(race=quinte, results=True)
    quinte.refresh_from_db()
    assert quinte.status == RaceStatus.RUNNING and running.official_race_ids == set()
    assert quinte.dividends.count() == 0

    signals["results"] = 0
    done = feed_at(paris(15, 19)).race(race=quinte, results=True)
    quinte.refresh_from_db()
    assert quinte.status == RaceStatus.FINISHED and quinte.results_official
    assert done.finished_race_ids == done.official_race_ids == {quinte.pk}
    assert done.not_published == []
    assert quinte.dividends.filter(bet_type="quinte_ordre").exists()
    assert sorted(r.position for r in runners(QUINTE).values() if r.position)[:3] == [1, 2, 3]
    assert signals["results"] == 1  # results_written: the bets on it are settled
    assert quinte.is_synthetic and quinte.extra["synthetic"] is True


def test_an_odds_check_never_reveals_the_results(demo_day):
    quinte = race(QUINTE)
    feed_at(paris(18, 0)).race(race=quinte, results=False)

    quinte.refresh_from_db()
    assert quinte.status == RaceStatus.RUNNING
    assert quinte.dividends.count() == 0
    assert {r.final_odds for r in runners(QUINTE).values()} != {None}  # the odds at the off


def test_an_odds_read_after_the_results_keeps_them(demo_day):
    quinte = race(QUINTE)
    feed_at(paris(15, 20)).race(race=quinte, results=True)
    quinte.refresh_from_db()
    report = feed_at(paris(15, 25)).race(race=quinte, results=False)

    quinte.refresh_from_db()
    assert (quinte.status, quinte.results_official, report.races_unchanged) == (RaceStatus.FINISHED, True, 1)
    assert quinte.dividends.exists()


def test_todays_revealed_outcome_is_the_one_published_tomorrow(demo_day):
    feed_at(paris(15, 19)).race(race=race(QUINTE), results=True)

    tomorrow = DemoGenerator(seed=42, start=START, today=TODAY + dt.timedelta(days=1))
    published = next(r.payload for r in tomorrow.races() if r.payload.source_id == QUINTE)
    stored = runners(QUINTE)
    assert [(r.saddle_number, r.position, r.status, r.final_odds) for r in published.runners] == [
        (n, stored[n].position, stored[n].status, stored[n].final_odds) for n in sorted(stored)
    ]
    assert sorted((d.bet_type, d.combination, d.amount) for d in published.dividends) == sorted(
        race(QUINTE).dividends.values_list("bet_type", "combination", "amount")
    )


def test_the_odds_move_from_the_morning_line_to_the_final_odds(demo_day, signals, frozen):
    quinte, stored = race(QUINTE), runners(QUINTE)
    truth = _day(42, START, TODAY, TODAY)[QUINTE].payload
    final = {r.saddle_number: r.final_odds for r in truth.runners}
    assert all(r.final_odds is None for r in stored.values())  # the morning: no live odds yet

    seen = {}
    for minute in range(15, 71, 5):  # 14:15 (an hour before the off) … 15:10, then the off
        frozen(paris(14, 0) + dt.timedelta(minutes=minute)).race(race=quinte, results=False)
        seen[minute] = {n: r.final_odds for n, r in runners(QUINTE).items()}
    quinte.refresh_from_db()

    morning = {n: r.morning_odds for n, r in stored.items()}
    assert seen[15] == morning  # at the start of the window, the morning line
    assert seen[75 - 5] != morning and seen[40] != seen[45]  # it moves…
    assert seen[75 - 5] != final
    frozen(paris(15, 15)).race(race=quinte, results=False)
    assert {n: r.final_odds for n, r in runners(QUINTE).items()} == final  # …to the final odds at the off
    assert quinte.odds_at == paris(15, 10)

    snapshots = OddsSnapshot.objects.filter(runner__race=quinte)
    assert snapshots.values("runner").distinct().count() == len(final)
    assert snapshots.count() > 3 * len(final)  # a row each time a runner's odds changed
    assert not snapshots.filter(taken_at__gt=paris(15, 15)).exists()
    changed = [ids for ids, reason in signals["changed"] if reason == "odds"]
    assert changed and all(ids == [quinte.pk] for ids in changed)


def test_late_non_partants_are_declared_half_way_through_the_window(demo_day):
    np_race = race(LATE_NP)  # off at 14:40
    feed = feed_at(paris(14, 5))
    report = feed.race(race=np_race, results=False)
    assert {n for n, r in runners(LATE_NP).items() if r.status == RunnerStatus.NON_PARTANT} == set()
    assert report.changed_race_ids == {np_race.pk}

    feed_at(paris(14, 10)).race(race=np_race, results=False)

    out = {n: r for n, r in runners(LATE_NP).items() if r.status == RunnerStatus.NON_PARTANT}
    assert set(out) == {1, 9}
    assert all(r.final_odds is None for r in out.values())


def test_a_second_read_at_the_same_moment_changes_nothing(demo_day, signals):
    quinte = race(QUINTE)
    feed_at(paris(14, 30)).race(race=quinte, results=False)
    again = feed_at(paris(14, 30)).race(race=quinte, results=False)

    assert (again.races_updated, again.races_unchanged, again.snapshots) == (0, 1, 0)
    assert again.changed_race_ids == set()


def test_the_programme_step_reloads_the_day_as_it_stands(demo_day, signals, frozen):
    report = frozen(paris(15, 30)).programme(date=TODAY)

    statuses = dict(Race.objects.filter(meeting__date=TODAY).values_list("source_id", "status"))
    assert statuses[QUINTE] == statuses[LATE_NP] == RaceStatus.FINISHED  # run by 15:30
    assert statuses["20260315-VIN-C3"] == RaceStatus.SCHEDULED  # off at 15:50
    assert report.official_race_ids == set(Race.objects.filter(results_official=True).values_list("pk", flat=True))
    assert len(report.official_race_ids) == 4  # 13:25, 13:55, 14:40 and the quinté
    # Announced: the races still to come whose field or odds changed (VIN-C3, in its odds window since 14:50;
    # the two later races are as load_demo wrote them).
    assert signals["changed"][-1] == ([race("20260315-VIN-C3").pk], "programme")
    assert FeedSource.objects.get(name="demo").last_success_at == paris(15, 30)

    tomorrow = feed_at(paris(15, 30)).programme(date=TODAY + dt.timedelta(days=1))
    assert tomorrow.races_unchanged == 5 and tomorrow.races_updated == 0
    beyond = feed_at(paris(15, 30)).programme(date=TODAY + dt.timedelta(days=2))
    assert beyond.not_published and beyond.races_created == 0


def test_the_morning_view_is_the_programme_the_generator_publishes():
    demo = _day(42, START, TODAY, TODAY)[QUINTE]
    unpublished = next(
        r.payload for r in DemoGenerator(seed=42, start=START, today=TODAY).races() if r.payload.source_id == QUINTE
    )

    assert race_at(demo, paris(9, 0)) == unpublished
    assert race_at(demo, demo.official_at) == demo.payload
    assert demo.payload.runners[0].position is not None  # the cached truth is left as it was


def test_odds_on_the_way_start_at_the_morning_line_and_end_at_the_final_odds():
    morning, final = Decimal("12.0"), Decimal("4.5")
    path = [odds_on_the_way(morning, final, k / 12, 3) for k in range(13)]

    assert path[0] == morning and path[-1] == final
    assert all(Decimal("1.1") <= odds for odds in path)
    assert path[6] < morning and path[6] > final
    assert odds_on_the_way(morning, None, 0.5, 3) is None


def test_the_schedule_runs_the_demo_day(demo_day, settings):
    settings.TURF_FEED = "demo"
    schedule_day(TODAY, now=paris(6, 30))
    quinte = race(QUINTE)
    moment = paris(14, 15)
    while moment <= paris(15, 30):
        run_due_checks(now=moment, feed=feed_at(moment))
        moment += dt.timedelta(minutes=1)

    quinte.refresh_from_db()
    assert quinte.results_official and quinte.status == RaceStatus.FINISHED
    checks = ScheduledCheck.objects.filter(race=quinte).order_by("due_at")
    assert [c.kind for c in checks] == [CheckKind.ODDS] * 12 + [CheckKind.OFF, CheckKind.RESULTS]
    assert checks.last().outcome.startswith("official")
    assert all(c.done_at is not None for c in checks)
    assert OddsSnapshot.objects.filter(runner__race=quinte).count() > 12


def test_payload_copies_do_not_touch_the_cached_day():
    demo = _day(42, START, TODAY, TODAY)[QUINTE]
    seen = race_at(demo, paris(14, 30))
    seen.runners[0] = replace(seen.runners[0], final_odds=Decimal("99"))
    assert demo.payload.runners[0].final_odds != Decimal("99")
