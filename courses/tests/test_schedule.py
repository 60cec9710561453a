"""The live day's schedule: the checks planned for a real programme (PMU, 2025-11-05) and for the demo day, their
rows written idempotently and replanned when an off moves, and the tick that runs them (against a fake feed)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from courses.demo import plan_day
from courses.feeds import FeedReport, FeedUnavailable
from courses.models import CheckKind, Race, RaceStatus, ScheduledCheck, Source
from courses.schedule import (
    LEASE,
    MAX_ATTEMPTS,
    PlannedCheck,
    plan_checks,
    run_due_checks,
    schedule_day,
    schedule_races,
)
from courses.signals import races_off

from .factories import make_race

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2025, 11, 5)
ODDS, OFF, RESULTS = CheckKind.ODDS, CheckKind.OFF, CheckKind.RESULTS


def paris(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def programme(data_dir):
    """The real PMU programme of 2025-11-05 (63 races, 9 réunions), through the existing importer."""
    path = data_dir / "pmu_api_json" / "programme_05112025.json"
    call_command("import_pmu", str(path), "--no-progress", stdout=StringIO(), stderr=StringIO())
    return list(Race.objects.filter(meeting__date=DAY).select_related("meeting"))


def by_code(races, wanted: str) -> Race:
    return next(race for race in races if race.code == wanted)


def checks_of(planned: list[PlannedCheck], race: Race) -> list[tuple[str, str]]:
    return [(c.kind, f"{c.due_at.astimezone(PARIS):%H:%M}") for c in planned if c.race_id == race.pk]


# -- the planner --------------------------------------------------------------------------------------------


def test_the_morning_plan_of_a_real_programme(programme):
    planned = plan_checks(programme, now=paris(6, 30))

    # Every race: 12 odds checks (every 5 minutes in the hour before the off), the off, the first results check.
    assert len(programme) == 63
    assert Counter(c.kind for c in planned) == {ODDS: 63 * 12, OFF: 63, RESULTS: 63}
    r1c1 = by_code(programme, "R1C1")  # Nantes, PRIX ONIRIS, off at 13:12 Paris
    assert checks_of(planned, r1c1) == [
        *[(ODDS, t) for t in ("12:12", "12:17", "12:22", "12:27", "12:32", "12:37")],
        *[(ODDS, t) for t in ("12:42", "12:47", "12:52", "12:57", "13:02", "13:07")],
        (OFF, "13:12"),
        (RESULTS, "13:17"),
    ]
    # In due order, the whole day: from an hour before the first off (R2C1, 10:30) to after the last (R9C11, 23:45).
    assert planned == sorted(planned)
    assert planned[0] == PlannedCheck(paris(9, 30), by_code(programme, "R2C1").pk, ODDS)
    assert planned[-1] == PlannedCheck(paris(23, 50), by_code(programme, "R9C11").pk, RESULTS)


def test_a_plan_made_during_the_day_skips_the_past_but_the_latest_odds_and_the_offs(programme):
    planned = plan_checks(programme, now=paris(13, 0))

    # R1C1 goes off at 13:12: of its odds checks past, only the latest (12:57, the market as it is now).
    assert checks_of(planned, by_code(programme, "R1C1")) == [
        (ODDS, "12:57"),
        (ODDS, "13:02"),
        (ODDS, "13:07"),
        (OFF, "13:12"),
        (RESULTS, "13:17"),
    ]
    # R3C1 went off at 12:18: no odds any more; its off (late, the freeze must still happen) and its results.
    assert checks_of(planned, by_code(programme, "R3C1")) == [(OFF, "12:18"), (RESULTS, "12:23")]
    # At 17:00 the Belgian races of the morning (R2C1 10:30, more than FEED_RESULTS_GIVE_UP_HOURS ago) are over.
    late = plan_checks(programme, now=paris(17, 0))
    assert checks_of(late, by_code(programme, "R2C1")) == []
    assert checks_of(late, by_code(programme, "R2C5")) == [(OFF, "12:36"), (RESULTS, "12:41")]


def test_the_plan_follows_the_settings(programme, settings):
    settings.FEED_ODDS_WINDOW_MINUTES, settings.FEED_ODDS_EVERY_MINUTES = 30, 10
    settings.FEED_RESULTS_EVERY_MINUTES = 3

    planned = plan_checks(programme, now=paris(6, 30))

    assert checks_of(planned, by_code(programme, "R1C2")) == [  # the Grand National du Trot, off at 13:55
        (ODDS, "13:25"),
        (ODDS, "13:35"),
        (ODDS, "13:45"),
        (OFF, "13:55"),
        (RESULTS, "13:58"),
    ]


def test_nothing_is_planned_for_a_race_cancelled_official_or_without_a_start_time(programme):
    cancelled, official, timeless = (by_code(programme, c) for c in ("R1C1", "R1C2", "R1C3"))
    cancelled.status = RaceStatus.CANCELLED
    official.results_official = True
    timeless.start_time = None

    planned = plan_checks(programme, now=paris(6, 30))

    assert {c.race_id for c in planned}.isdisjoint({cancelled.pk, official.pk, timeless.pk})
    assert len({c.race_id for c in planned}) == 60


def test_the_demo_day_is_planned_like_a_real_one():
    today = dt.date(2026, 3, 15)
    call_command(
        "load_demo",
        "--start",
        (today - dt.timedelta(days=20)).isoformat(),
        "--today",
        today.isoformat(),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    races = list(Race.objects.filter(meeting__date=today, source=Source.DEMO).select_related("meeting"))

    planned = plan_checks(races, now=paris(6, 30, today))

    plans = plan_day(42, today)
    assert len(races) == len(plans) == 7
    assert Counter(c.kind for c in planned) == {ODDS: 7 * 12, OFF: 7, RESULTS: 7}
    quinte = next(race for race in races if race.is_quinte)  # the quinté+ goes off at 15:15
    assert checks_of(planned, quinte)[-3:] == [(ODDS, "15:10"), (OFF, "15:15"), (RESULTS, "15:20")]
    assert checks_of(planned, quinte)[0] == (ODDS, "14:15")
    assert sorted({c.due_at for c in planned if c.kind == OFF}) == sorted(p.start_time for p in plans)


# -- the rows -----------------------------------------------------------------------------------------------


def test_schedule_day_writes_the_plan_once(programme, settings):
    settings.TURF_FEED = "pmu"

    first = schedule_day(DAY, now=paris(6, 30))
    second = schedule_day(DAY, now=paris(6, 30))

    assert (first.races, first.created, first.deleted) == (63, 63 * 14, 0)
    assert (second.created, second.deleted, second.kept) == (0, 0, 63 * 14)
    assert ScheduledCheck.objects.count() == 63 * 14


def test_schedule_day_plans_only_the_configured_feeds_races(programme, settings):
    settings.TURF_FEED = "demo"
    assert schedule_day(DAY, now=paris(6, 30)).created == 0  # the day's races are PMU's
    settings.TURF_FEED = "off"
    assert schedule_day(DAY, now=paris(6, 30), source=None).created == 0
    assert ScheduledCheck.objects.count() == 0


def test_a_moved_start_time_replans_the_pending_checks_and_keeps_those_done(programme, settings):
    settings.TURF_FEED = "pmu"
    schedule_day(DAY, now=paris(6, 30))
    r1c1 = by_code(programme, "R1C1")
    done = list(ScheduledCheck.objects.filter(race=r1c1).order_by("due_at")[:2])
    ScheduledCheck.objects.filter(pk__in=[c.pk for c in done]).update(done_at=paris(12, 20), outcome="odds: ok")

    Race.objects.filter(pk=r1c1.pk).update(start_time=paris(13, 30))  # the off moves from 13:12 to 13:30
    report = schedule_day(DAY, now=paris(12, 25))

    rows = ScheduledCheck.objects.filter(race=r1c1).order_by("due_at")
    times = [(row.kind, f"{row.due_at.astimezone(PARIS):%H:%M}", row.done_at is not None) for row in rows]
    assert times == [
        (ODDS, "12:12", True),
        (ODDS, "12:17", True),
        # the new grid from 12:30 (the past ones of the new plan are not planned: 12:25 was never due)
        *[(ODDS, t, False) for t in ("12:30", "12:35", "12:40", "12:45", "12:50", "12:55")],
        *[(ODDS, t, False) for t in ("13:00", "13:05", "13:10", "13:15", "13:20", "13:25")],
        (OFF, "13:30", False),
        (RESULTS, "13:35", False),
    ]
    assert report.created == 14
    # The other races keep their plan (their odds checks already past, which a tick would skip, are dropped).
    assert ScheduledCheck.objects.filter(race=by_code(programme, "R4C1")).count() == 14  # off at 15:36
    assert pending(by_code(programme, "R1C2"))[0] == (ODDS, "12:55")  # off at 13:55: the latest past one stays


def test_replanning_keeps_a_results_chain_a_check_started(programme, settings):
    settings.TURF_FEED = "pmu"
    r1c1 = by_code(programme, "R1C1")
    schedule_races([r1c1], now=paris(6, 30))
    ScheduledCheck.objects.filter(race=r1c1, kind=RESULTS).update(done_at=paris(13, 17), outcome="not published")
    ScheduledCheck.objects.create(race=r1c1, kind=RESULTS, due_at=paris(13, 22))

    report = schedule_races([r1c1], now=paris(13, 20))

    pending = ScheduledCheck.objects.filter(race=r1c1, done_at__isnull=True)
    assert [(c.kind, c.due_at) for c in pending] == [(OFF, paris(13, 12)), (RESULTS, paris(13, 22))]
    assert report.created == 0


# -- the tick -----------------------------------------------------------------------------------------------


class FakeFeed:
    """A feed as the schedule sees it: records its calls; can fail, publish the results, move the off."""

    source = Source.PMU

    def __init__(self, *, fail: int = 0, official_from: dt.datetime | None = None, error: Exception | None = None):
        self.calls: list[tuple[str, bool]] = []
        self.fail, self.official_from, self.error = fail, official_from, error
        self.now: dt.datetime | None = None
        self.move_to: dt.datetime | None = None

    def race(self, *, race: Race, results: bool) -> FeedReport:
        self.calls.append((race.code, results))
        if self.fail:
            self.fail -= 1
            raise self.error or FeedUnavailable("PMU answered 503 five times")
        if self.move_to is not None:
            Race.objects.filter(pk=race.pk).update(start_time=self.move_to)
        if results and self.official_from is not None and self.now >= self.official_from:
            Race.objects.filter(pk=race.pk).update(status=RaceStatus.FINISHED, results_official=True)
        return FeedReport(source=self.source, races_updated=1)

    def tick(self, now: dt.datetime):
        self.now = now
        return run_due_checks(now=now, feed=self)


@pytest.fixture
def race():
    """A PMU race off at 13:12 Paris, its checks planned in the morning."""
    race = make_race(date=DAY, source=Source.PMU)
    race.start_time = paris(13, 12)
    race.save()
    schedule_races([race], now=paris(6, 30))
    return race


@pytest.fixture
def offs():
    sent: list[list[int]] = []

    def receiver(sender, race_ids, **kwargs):
        sent.append(list(race_ids))

    races_off.connect(receiver, dispatch_uid="test-schedule-offs")
    yield sent
    races_off.disconnect(dispatch_uid="test-schedule-offs")


def pending(race: Race) -> list[tuple[str, str]]:
    rows = ScheduledCheck.objects.filter(race=race, done_at__isnull=True).order_by("due_at")
    return [(row.kind, f"{row.due_at.astimezone(PARIS):%H:%M}") for row in rows]


def test_a_due_check_runs_once(race):
    feed = FakeFeed()

    assert feed.tick(paris(12, 11)).ran == 0  # nothing due yet
    first = feed.tick(paris(12, 12))
    again = feed.tick(paris(12, 13))

    assert (first.ran, again.ran) == (1, 0)
    assert feed.calls == [("R1C1", False)]
    check = ScheduledCheck.objects.get(race=race, due_at=paris(12, 12))
    assert (check.done_at, check.attempts, check.outcome) == (paris(12, 12), 1, "odds: updated=1")


def test_odds_checks_missed_are_skipped_and_the_latest_runs(race, offs):
    feed = FakeFeed()

    report = feed.tick(paris(12, 40))  # no worker since the morning: 12:12 … 12:37 are due

    assert (report.ran, report.skipped) == (1, 5)
    assert feed.calls == [("R1C1", False)]
    skipped = ScheduledCheck.objects.filter(race=race, outcome__startswith="skipped")
    assert sorted(f"{c.due_at.astimezone(PARIS):%H:%M}" for c in skipped) == [
        "12:12",
        "12:17",
        "12:22",
        "12:27",
        "12:32",
    ]
    assert ScheduledCheck.objects.get(race=race, due_at=paris(12, 37)).outcome == "odds: updated=1"

    # Back after the off: the latest odds check before it, then the off (late), then the results, in due order.
    late = feed.tick(paris(13, 20))
    assert (late.ran, late.skipped) == (3, 5)
    assert feed.calls[1:] == [("R1C1", False), ("R1C1", True)]
    assert offs == [[race.pk]]
    off = ScheduledCheck.objects.get(race=race, kind=OFF)
    assert off.outcome == "races_off sent 8 min late"


def test_the_off_sends_races_off_on_time(race, offs):
    feed = FakeFeed()
    feed.tick(paris(13, 7))
    feed.tick(paris(13, 12))

    assert offs == [[race.pk]]
    assert ScheduledCheck.objects.get(race=race, kind=OFF).outcome == "races_off sent"
    assert feed.calls == [("R1C1", False)]  # the off reads nothing


def test_results_are_asked_again_until_official(race):
    feed = FakeFeed(official_from=paris(13, 27))
    feed.tick(paris(13, 12))

    feed.tick(paris(13, 17))
    assert pending(race) == [(RESULTS, "13:22")]
    first = ScheduledCheck.objects.get(race=race, kind=RESULTS, due_at=paris(13, 17))
    assert first.outcome == "not published yet; updated=1; next check at 13:22"

    feed.tick(paris(13, 22))
    feed.tick(paris(13, 27))

    assert pending(race) == []
    assert [c for c in feed.calls if c[1]] == [("R1C1", True)] * 3
    last = ScheduledCheck.objects.get(race=race, kind=RESULTS, due_at=paris(13, 27))
    assert last.outcome == "official: arrival and rapports définitifs written; updated=1"
    assert feed.tick(paris(14, 0)).ran == 0


def test_results_are_given_up_after_the_give_up_hours(race, settings):
    settings.FEED_RESULTS_GIVE_UP_HOURS = 1
    feed = FakeFeed()
    minute = paris(13, 17)
    while minute <= paris(14, 30):
        feed.tick(minute)
        minute += dt.timedelta(minutes=5)

    results = ScheduledCheck.objects.filter(race=race, kind=RESULTS).order_by("due_at")
    assert [f"{c.due_at.astimezone(PARIS):%H:%M}" for c in results][-1] == "14:12"  # the off + 1 h at most
    assert results.last().outcome.endswith("gave up: no rapports définitifs 1 h after the off")
    assert pending(race) == []


def test_a_feed_error_is_recorded_and_retried_at_the_next_ticks_a_few_times(race):
    feed = FakeFeed(fail=10)

    for minute in (0, 1, 2):
        report = feed.tick(paris(12, 12) + dt.timedelta(minutes=minute))
        assert (report.ran, report.failed) == (0, 1)  # once per tick, never crashing it

    check = ScheduledCheck.objects.get(race=race, due_at=paris(12, 12))
    assert check.attempts == MAX_ATTEMPTS == 3
    assert check.done_at == paris(12, 14)
    assert check.outcome == "failed 3 times: PMU answered 503 five times"
    assert len(feed.calls) == 3


def test_a_failed_attempt_says_so_and_the_check_stays_pending(race):
    feed = FakeFeed(fail=1)
    feed.tick(paris(12, 12))

    check = ScheduledCheck.objects.get(race=race, due_at=paris(12, 12))
    assert (check.done_at, check.attempts, check.started_at) == (None, 1, None)
    assert check.outcome == "attempt 1 failed: PMU answered 503 five times"

    feed.tick(paris(12, 13))
    check.refresh_from_db()
    assert (check.done_at, check.attempts, check.outcome) == (paris(12, 13), 2, "odds: updated=1")


def test_a_results_check_that_keeps_failing_still_plans_the_next_one(race):
    feed = FakeFeed()
    feed.tick(paris(13, 12))
    feed.fail = 3
    for minute in (17, 18, 19):
        feed.tick(paris(13, minute))

    failed = ScheduledCheck.objects.get(race=race, kind=RESULTS, due_at=paris(13, 17))
    assert failed.outcome == "failed 3 times: PMU answered 503 five times; next check at 13:24"
    assert pending(race) == [(RESULTS, "13:24")]


def test_a_bug_in_one_check_does_not_stop_the_others(race):
    other = make_race(date=DAY, course=2, source=Source.PMU)
    other.start_time = paris(13, 12)
    other.save()
    schedule_races([other], now=paris(6, 30))
    feed = FakeFeed(fail=1, error=KeyError("numPmu"))

    report = feed.tick(paris(12, 12))

    assert (report.ran, report.failed) == (1, 1)
    outcomes = sorted(ScheduledCheck.objects.filter(due_at=paris(12, 12)).values_list("outcome", flat=True))
    assert outcomes == ["attempt 1 failed: KeyError: 'numPmu'", "odds: updated=1"]


def test_a_check_another_worker_holds_is_left_to_it_until_its_lease_runs_out(race):
    ScheduledCheck.objects.filter(race=race, due_at=paris(12, 12)).update(started_at=paris(12, 12))
    feed = FakeFeed()

    assert feed.tick(paris(12, 13)).ran == 0
    assert feed.tick(paris(12, 12) + LEASE + dt.timedelta(minutes=1)).ran == 1
    assert feed.calls == [("R1C1", False)]


def test_a_start_moved_by_the_feed_is_replanned(race):
    feed = FakeFeed()
    feed.move_to = paris(13, 40)
    feed.tick(paris(12, 12))

    assert pending(race)[:2] == [(ODDS, "12:40"), (ODDS, "12:45")]
    assert pending(race)[-2:] == [(OFF, "13:40"), (RESULTS, "13:45")]
    assert ScheduledCheck.objects.filter(race=race, done_at__isnull=False).count() == 1


def test_a_cancelled_race_is_skipped(race):
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.CANCELLED)
    feed = FakeFeed()

    report = feed.tick(paris(12, 12))

    assert (report.ran, report.skipped, feed.calls) == (0, 1, [])
    assert ScheduledCheck.objects.get(race=race, due_at=paris(12, 12)).outcome == "skipped: cancelled"


def test_checks_of_another_sources_races_are_not_run(race):
    demo = make_race(date=DAY, reunion=2, source=Source.DEMO)
    demo.start_time = paris(13, 12)
    demo.save()
    schedule_races([demo], now=paris(6, 30))
    feed = FakeFeed()

    feed.tick(paris(12, 12))

    assert feed.calls == [("R1C1", False)]
    assert ScheduledCheck.objects.filter(race=demo, done_at__isnull=False).count() == 0


def test_with_the_feed_off_the_tick_does_nothing(race, settings):
    settings.TURF_FEED = "off"
    assert run_due_checks(now=paris(12, 12)).as_dict() == {"feed": "off", "ran": 0, "failed": 0, "skipped": 0}


def test_the_morning_step_announces_every_race_still_to_come_even_those_the_read_left_unchanged():
    """On the install day the demo is loaded before the first morning step, which then changes nothing: its races
    must still be rescored and their morning prediction published (``races_changed``, reason "programme")."""
    from django.utils import timezone

    from courses.schedule import feed_day
    from courses.signals import races_changed

    today = timezone.localdate()
    later = make_race(date=today, source=Source.PMU)
    Race.objects.filter(pk=later.pk).update(start_time=timezone.now() + dt.timedelta(hours=2))
    gone = make_race(date=today, source=Source.PMU, course=2)
    Race.objects.filter(pk=gone.pk).update(start_time=timezone.now() - dt.timedelta(hours=1))

    class UnchangedFeed:
        source = Source.PMU

        def programme(self, *, date):
            return FeedReport(source=self.source, races_unchanged=2)

    heard: list[tuple[list[int], str]] = []

    def receiver(sender, race_ids, reason, **kwargs):
        heard.append((list(race_ids), reason))

    races_changed.connect(receiver, dispatch_uid="test-morning-announce")
    try:
        feed_day(date=today, feed=UnchangedFeed())
    finally:
        races_changed.disconnect(dispatch_uid="test-morning-announce")
    assert heard == [([later.pk], "programme")]
