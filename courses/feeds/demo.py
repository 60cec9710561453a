"""The demo feed: the synthetic programme (``courses.demo``) living its day, offline and deterministic.

Behind the same schedule as the PMU feed, the demo day goes through what a real one does: the morning line,
the odds moving from it toward the race's final odds in the hour before the off (``FEED_ODDS_WINDOW_MINUTES``),
its non-partants declared half-way through that hour, the off, then the arrival and the rapports once the race
has been run (``courses.demo.official_at``: 2 to 5 minutes after the off). The outcome is the one the generator
simulates for every past day, hidden until then: today's race revealed at 15:20 is the same race published
tomorrow. Every row stays ``source="demo"``, labelled synthetic.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from ..demo import DEFAULT_START, DemoGenerator, DemoRace, plan_day
from ..demo.params import tenths
from ..importers.payloads import RacePayload
from ..importers.run import import_races
from ..models import FeedSource, Race, RaceStatus, Runner, RunnerStatus, Source
from .odds import OddsRead, odds_snapshot_write
from .report import FeedReport, FeedUnavailable, announce

DEFAULT_SEED = 42
# How far the odds wander around their path from the morning line to the off (log scale, at mid-window).
WIGGLE = 0.08


class DemoFeed:
    """The ``TURF_FEED=demo`` feed. ``clock`` (default: the current time) is the time the day is seen at."""

    source = Source.DEMO

    def __init__(self, *, clock: Callable[[], dt.datetime] | None = None):
        self.clock = clock or (lambda: timezone.now())

    def programme(self, *, date: dt.date, progress: bool = False) -> FeedReport:
        """The day's demo races as they stand now: the programme and morning line, and for a race already run
        its arrival and rapports. The demo publishes up to tomorrow."""
        now = self.clock()
        today = timezone.localdate(now)
        report = FeedReport(source=self.source)
        seed, start = _fingerprint()
        if not start <= date <= today + dt.timedelta(days=1):
            report.not_published.append(f"{date} programme (the demo runs from {start} to tomorrow)")
            _succeeded(now)
            return report
        day = _day(seed, start, today, date)
        self._write(report, [race_at(demo, now) for demo in day.values()], now, reason="programme")
        return report

    def race(self, *, race: Race, results: bool) -> FeedReport:
        """One demo race now: its odds and non-partants; with ``results``, its arrival and rapports once run."""
        now = self.clock()
        report = FeedReport(source=self.source)
        fingerprint = (race.extra or {}).get("demo") or {}
        try:
            seed, start = int(fingerprint["seed"]), dt.date.fromisoformat(fingerprint["start"])
        except (KeyError, TypeError, ValueError):
            seed, start = _fingerprint()
        demo = _day(seed, start, timezone.localdate(now), race.meeting.date).get(race.source_id)
        if demo is None:
            raise FeedUnavailable(f"{race.code} ({race.source_id or 'no id'}) is not in the demo programme")
        # An odds read leaves the results for the results check, and never takes back those already written.
        finished = results or race.status == RaceStatus.FINISHED
        seen = now if finished else min(now, demo.official_at - dt.timedelta(microseconds=1))
        payload = race_at(demo, seen)
        self._write(report, [payload], now, reason="odds")
        if results and payload.status != RaceStatus.FINISHED:
            report.not_published.append(f"{race.code} rapports")
        return report

    def _write(self, report: FeedReport, payloads: list[RacePayload], now: dt.datetime, *, reason: str) -> None:
        """Through the one writer (which announces results_written), then the official flag, the odds
        snapshots, the source's freshness, and ``announce`` (the races to rescore)."""
        source_ids = [payload.source_id for payload in payloads]
        for payload in payloads:
            # The demo's arrival comes with its rapports définitifs: official as soon as it is written.
            payload.results_official = payload.status == RaceStatus.FINISHED
        before = _state(source_ids)
        imported = import_races(source=self.source, items=payloads, progress=False)
        report.races_created += imported.races["created"]
        report.races_updated += imported.races["updated"]
        report.races_unchanged += imported.races["unchanged"]
        report.rejected.extend(imported.rejected)
        after = _state(source_ids)
        for source_id, state in after.items():
            race_id, status, official = state[0], state[1], state[2]
            if before.get(source_id) != state:
                report.changed_race_ids.add(race_id)
            if status == RaceStatus.FINISHED and (source_id not in before or before[source_id][1] != status):
                report.finished_race_ids.add(race_id)
            if status == RaceStatus.FINISHED and official:
                report.official_race_ids.add(race_id)
        reads = {state[0]: OddsRead(fetched_at=min(now, state[3]) if state[3] else now) for state in after.values()}
        report.snapshots += sum(odds_snapshot_write(reads=reads, morning_line=True).values())
        _succeeded(now)
        announce(report, reason=reason)


def race_at(demo: DemoRace, now: dt.datetime) -> RacePayload:
    """The demo race as the public sees it at ``now`` (a new payload; the generator's is left as it is).

    Before the odds window: the programme and morning line. In the window: live odds on a path from the morning
    line to the final odds, and the non-partants from its middle on. From the off: running, at the final odds.
    From ``official_at``: finished, with the arrival and the rapports."""
    truth = demo.payload
    if now >= demo.official_at:
        return replace(truth, runners=[replace(r) for r in truth.runners], dividends=list(truth.dividends))
    off, window = truth.start_time, dt.timedelta(minutes=settings.FEED_ODDS_WINDOW_MINUTES)
    progress = min(1.0, max(0.0, (now - (off - window)) / window)) if now >= off - window else None
    declared = now >= off - window / 2
    runners = []
    for runner in truth.runners:
        scratched = runner.status == RunnerStatus.NON_PARTANT
        out = scratched and declared
        odds = None
        if progress is not None and not out and runner.morning_odds is not None:
            # A horse that will not start drifts on its morning price until it is declared.
            final = runner.morning_odds if scratched else runner.final_odds
            odds = odds_on_the_way(runner.morning_odds, final, progress, runner.saddle_number)
        runners.append(
            replace(
                runner,
                status=RunnerStatus.NON_PARTANT if out else RunnerStatus.RUNNER,
                final_odds=odds,
                position=None,
                placed=None,
                finish_time=None,
                reduction_km=None,
                lengths_behind=None,
            )
        )
    status = RaceStatus.RUNNING if now >= off else RaceStatus.SCHEDULED
    return replace(truth, status=status, runners=runners, dividends=[])


def odds_on_the_way(morning: Decimal, final: Decimal | None, progress: float, saddle: int) -> Decimal | None:
    """A runner's odds ``progress`` of the way (0..1) from the morning line to the off: the log-odds move along
    a straight line with a deterministic wiggle that vanishes at both ends; PMU's tenths, never below 1.1."""
    if final is None:
        return None
    if progress >= 1:
        return final
    phase = (saddle * 0.618) % 1
    log_odds = (1 - progress) * math.log(morning) + progress * math.log(final)
    log_odds += WIGGLE * math.sin(2 * math.pi * (2 * progress + phase)) * math.sin(math.pi * progress)
    return tenths(max(11, round(10 * math.exp(log_odds))))


# -- internals ----------------------------------------------------------------------------------------------


class _AllBut:
    """The ``skip`` of a generator run that builds one day's races only."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted

    def __contains__(self, source_id: object) -> bool:
        return source_id not in self.wanted


def _day(seed: int, start: dt.date, today: dt.date, day: dt.date) -> dict[str, DemoRace]:
    """``day``'s demo races by source id, with their outcomes, as the generator run on ``today`` simulates them
    (kept for the day's checks: treat them as read-only). The demo runs from ``start`` to tomorrow."""
    if day < start or day > today + dt.timedelta(days=1):
        return {}
    if day >= today:
        return _live_days(seed, start, today).get(day, {})
    return _past_day(seed, start, today, day)


@functools.lru_cache(maxsize=2)
def _live_days(seed: int, start: dt.date, today: dt.date) -> dict[dt.date, dict[str, DemoRace]]:
    """Today's and tomorrow's races, revealed, from one run of the generator (a few seconds from the epoch)."""
    days = {today, today + dt.timedelta(days=1)}
    wanted = {plan.source_id for day in days for plan in plan_day(seed, day)}
    out: dict[dt.date, dict[str, DemoRace]] = {day: {} for day in days}
    for demo in DemoGenerator(seed=seed, start=start, today=today).races(skip=_AllBut(wanted), reveal=days):
        out[demo.payload.date][demo.payload.source_id] = demo
    return out


@functools.lru_cache(maxsize=2)
def _past_day(seed: int, start: dt.date, today: dt.date, day: dt.date) -> dict[str, DemoRace]:
    """A past day's races (a results check after midnight), published as the generator publishes them."""
    wanted = {plan.source_id for plan in plan_day(seed, day)}
    generator = DemoGenerator(seed=seed, start=start, today=today)
    return {demo.payload.source_id: demo for demo in generator.races(skip=_AllBut(wanted))}


def _fingerprint() -> tuple[int, dt.date]:
    """The seed and epoch of the demo programme in the database (``load_demo``'s), else the defaults."""
    extra = Race.objects.filter(source=Source.DEMO).order_by("-meeting__date").values_list("extra", flat=True).first()
    demo = (extra or {}).get("demo") or {}
    try:
        return int(demo["seed"]), dt.date.fromisoformat(demo["start"])
    except (KeyError, TypeError, ValueError):
        return DEFAULT_SEED, DEFAULT_START


def _state(source_ids: list[str]) -> dict[str, tuple]:
    """What a demo race's rescoring and settling depend on, per source id: (id, status, official, off, the
    runners' statuses, odds and places)."""
    rows = Race.objects.filter(source=Source.DEMO, source_id__in=source_ids).values_list(
        "pk", "source_id", "status", "results_official", "start_time"
    )
    races = {pk: (source_id, status, official, start) for pk, source_id, status, official, start in rows}
    runners: dict[int, list] = {pk: [] for pk in races}
    for race_id, saddle, status, final, morning, position in (
        Runner.objects.filter(race_id__in=races)
        .order_by("race_id", "saddle_number")
        .values_list("race_id", "saddle_number", "status", "final_odds", "morning_odds", "position")
    ):
        runners[race_id].append((saddle, status, final, morning, position))
    return {
        source_id: (pk, status, official, start, tuple(runners[pk]))
        for pk, (source_id, status, official, start) in races.items()
    }


def _succeeded(now: dt.datetime) -> None:
    FeedSource.objects.update_or_create(name=Source.DEMO, defaults={"last_success_at": now})
