"""The live day's schedule: which race the feed looks at when, planned from the races' start times.

For each race still to be run, one ``odds`` check every ``FEED_ODDS_EVERY_MINUTES`` from
``FEED_ODDS_WINDOW_MINUTES`` before the off until the off (odds, non-partants; the race is rescored), one ``off``
check at the start time (``races_off``: the predictions app freezes what it published), then ``results`` checks
(the arrival and the rapports définitifs) from ``FEED_RESULTS_EVERY_MINUTES`` after the off. Results checks are
planned one at a time: a check that finds the rapports not yet published plans the next one, until
``FEED_RESULTS_GIVE_UP_HOURS`` after the off.

- ``plan_checks`` is pure: the checks the races want from ``now`` on.
- ``schedule_day`` / ``schedule_races`` write them as ``ScheduledCheck`` rows, idempotently: a moved start time
  replans (pending checks no longer in the plan are deleted, checks done are kept).
- ``run_due_checks`` runs the due checks in due order, each claimed by one worker only; a check whose feed
  fails is retried at the next tick, ``MAX_ATTEMPTS`` times at most.
- ``feed_day`` is the morning step: a day's programme from the feed, then its checks.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .feeds import FeedReport, FeedUnavailable, announce, feed_get
from .models import CheckKind, FeedSource, Race, RaceStatus, ScheduledCheck
from .signals import races_off

logger = logging.getLogger("turf.schedule")

# A check is tried this many times at most (at one tick each) when its feed fails.
MAX_ATTEMPTS = 3
# A check claimed by a worker that died is taken again by another after this long.
LEASE = dt.timedelta(minutes=10)
# A day without a programme (the morning step found the feed down) is asked for again this often by the tick.
PROGRAMME_RETRY = dt.timedelta(minutes=10)


@dataclass(frozen=True, order=True)
class PlannedCheck:
    due_at: dt.datetime
    race_id: int
    kind: str


def _minutes(value: int) -> dt.timedelta:
    return dt.timedelta(minutes=value)


def odds_window() -> dt.timedelta:
    return _minutes(settings.FEED_ODDS_WINDOW_MINUTES)


def plan_checks(races: Iterable[Race], *, now: dt.datetime | None = None) -> list[PlannedCheck]:
    """The checks ``races`` want from ``now`` on, in due order.

    Nothing for a race without a start time, cancelled, with its results official, or given up on (its off more
    than ``FEED_RESULTS_GIVE_UP_HOURS`` ago). Odds checks already past are not planned, except the latest one
    while the race has not gone off (the market as it is now); the off check is planned even when late (the
    freeze must still happen); the first results check, ``FEED_RESULTS_EVERY_MINUTES`` after the off."""
    now = now or timezone.now()
    every, window = _minutes(settings.FEED_ODDS_EVERY_MINUTES), odds_window()
    results_every, give_up = (
        _minutes(settings.FEED_RESULTS_EVERY_MINUTES),
        dt.timedelta(hours=settings.FEED_RESULTS_GIVE_UP_HOURS),
    )
    planned: list[PlannedCheck] = []
    for race in races:
        off = race.start_time
        if off is None or race.status == RaceStatus.CANCELLED or race.results_official or now > off + give_up:
            continue
        if off > now:
            grid = [off - window + k * every for k in range(math.ceil(window / every))]
            past = [due for due in grid if due <= now]
            planned += [PlannedCheck(due, race.pk, CheckKind.ODDS) for due in past[-1:] + grid[len(past) :]]
        planned.append(PlannedCheck(off, race.pk, CheckKind.OFF))
        planned.append(PlannedCheck(off + results_every, race.pk, CheckKind.RESULTS))
    return sorted(planned)


@dataclass
class ScheduleReport:
    races: int = 0
    created: int = 0
    deleted: int = 0
    kept: int = 0

    def summary(self) -> str:
        return f"schedule: {self.races} races; checks created={self.created} deleted={self.deleted} kept={self.kept}"


def schedule_day(date: dt.date, *, source: str | None = None, now: dt.datetime | None = None) -> ScheduleReport:
    """Plan the checks of the day's races of ``source`` (default: the ``TURF_FEED`` feed's); nothing when the
    feed is ``off``."""
    source = source or _configured_source()
    if source is None:
        return ScheduleReport()
    races = Race.objects.filter(meeting__date=date, source=source)
    return schedule_races(races, now=now)


@transaction.atomic
def schedule_races(races: Iterable[Race], *, now: dt.datetime | None = None) -> ScheduleReport:
    """Write the plan of ``races`` as ``ScheduledCheck`` rows: create what is missing, delete the pending checks
    the plan no longer has (a moved start time), keep the checks done. Running it twice changes nothing.

    A pending results check later than the planned first one is the chain a results check started: it is kept
    (one pending results check per race at most)."""
    now = now or timezone.now()
    races = list(races)
    report = ScheduleReport(races=len(races))
    planned = plan_checks(races, now=now)
    first_results = {c.race_id: c for c in planned if c.kind == CheckKind.RESULTS}
    wanted = {(c.race_id, c.kind, c.due_at) for c in planned if c.kind != CheckKind.RESULTS}
    existing = list(ScheduledCheck.objects.filter(race__in=[race.pk for race in races]))
    keys = {(row.race_id, row.kind, row.due_at) for row in existing}
    doomed: list[int] = []
    pending_results: dict[int, list[ScheduledCheck]] = defaultdict(list)
    for row in existing:
        if row.done_at is not None:
            continue
        if row.kind == CheckKind.RESULTS:
            pending_results[row.race_id].append(row)
        elif (row.race_id, row.kind, row.due_at) in wanted:
            report.kept += 1
        else:
            doomed.append(row.pk)
    for race in races:
        first = first_results.get(race.pk)
        chain = sorted(pending_results.get(race.pk, []), key=lambda row: row.due_at)
        later = [row for row in chain if first is not None and row.due_at >= first.due_at]
        doomed += [row.pk for row in chain if not later or row is not later[0]]
        if later:
            report.kept += 1
        elif first is not None:
            wanted.add((race.pk, first.kind, first.due_at))
    if doomed:
        report.deleted = ScheduledCheck.objects.filter(pk__in=doomed, done_at__isnull=True).delete()[0]
    new = [
        ScheduledCheck(race_id=race_id, kind=kind, due_at=due_at)
        for race_id, kind, due_at in sorted(wanted, key=lambda key: (key[2], key[0], key[1]))
        if (race_id, kind, due_at) not in keys
    ]
    ScheduledCheck.objects.bulk_create(new, ignore_conflicts=True)
    report.created = len(new)
    return report


@dataclass
class TickReport:
    feed: str
    ran: int = 0
    failed: int = 0  # attempts that failed (retried at the next tick, or given up)
    skipped: int = 0  # odds checks superseded by a later one, or races with nothing left to check
    outcomes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"feed tick ({self.feed}): ran={self.ran} failed={self.failed} skipped={self.skipped}"

    def as_dict(self) -> dict:
        return {"feed": self.feed, "ran": self.ran, "failed": self.failed, "skipped": self.skipped}


def run_due_checks(*, now: dt.datetime | None = None, feed=None) -> TickReport:
    """Run the checks due at ``now`` (default: the current time) of the ``feed``'s races (default: the
    ``TURF_FEED`` feed; nothing when it is ``off``), in due order, each by one worker only.

    Odds checks missed while no worker ran are skipped when a later one of the same race is due too: only the
    latest runs (even after the off: it reads the last odds). Off and results checks always run, late or not.
    A feed error is recorded on the check (its attempts and outcome) and never stops the tick."""
    now = now or timezone.now()
    source = feed.source if feed is not None else _configured_source()
    if source is None:
        return TickReport(feed="off")
    report = TickReport(feed=source)
    report.skipped += _skip_superseded(now, source)
    tried: set[int] = set()
    while (check := _claim(now, source, tried)) is not None:
        tried.add(check.pk)
        feed = feed or feed_get()  # built when a check is due, not every idle minute
        _run(check, feed, now, report)
    if report.ran or report.failed or report.skipped:
        logger.info("%s", report.summary())
    return report


def feed_day(*, date: dt.date, feed=None, now: dt.datetime | None = None) -> tuple[FeedReport, ScheduleReport]:
    """The morning step for one day: its programme from the feed (default: ``TURF_FEED``'s), then its checks.
    Raises ``FeedUnavailable`` when the feed cannot be read (the checks already planned stay)."""
    feed = feed or feed_get()
    fed = feed.programme(date=date)
    # The morning step speaks for the whole day, not only for the races the read changed: every race still to
    # come is rescored and its morning prediction published (the feed announced the changed ones already).
    unchanged = (
        set(Race.objects.filter(source=feed.source, meeting__date=date).values_list("pk", flat=True))
        - fed.changed_race_ids
    )
    announce(FeedReport(source=feed.source, changed_race_ids=unchanged), reason="programme")
    return fed, schedule_day(date, source=feed.source, now=now)


def programme_catch_up(*, now: dt.datetime | None = None, feed=None) -> list[str]:
    """When today has no race of the configured feed and its last read is more than ``PROGRAMME_RETRY`` old (the
    morning step found it down, or never ran), read today's and tomorrow's programme again. Returns a line per
    day read, nothing when nothing was needed. The morning task retries with a broker; this covers the embedded
    mode, where eager tasks are not retried, and a start with the feed down."""
    now = now or timezone.now()
    source = feed.source if feed is not None else _configured_source()
    today = timezone.localdate(now)
    if source is None or Race.objects.filter(source=source, meeting__date=today).exists():
        return []
    row = FeedSource.objects.filter(name=source).first()
    tries = [at for at in (row.last_success_at, row.last_error_at) if at] if row else []
    if tries and now - max(tries) < PROGRAMME_RETRY:
        return []
    feed = feed or feed_get()
    lines = []
    for date in (today, today + dt.timedelta(days=1)):
        try:
            fed, planned = feed_day(date=date, feed=feed, now=now)
        except FeedUnavailable as exc:
            lines.append(f"{date}: {source} unavailable: {exc}")
            continue
        lines.append(f"{date}: {fed.summary()}; {planned.summary()}")
    for line in lines:
        logger.info("programme catch-up %s", line)
    return lines


# -- internals ----------------------------------------------------------------------------------------------


def _configured_source() -> str | None:
    return None if settings.TURF_FEED == "off" else settings.TURF_FEED


def _skip_superseded(now: dt.datetime, source: str) -> int:
    """Mark skipped the due odds checks of a race that has a later odds check due too."""
    rows = list(
        ScheduledCheck.objects.filter(
            _unclaimed(now), kind=CheckKind.ODDS, done_at__isnull=True, due_at__lte=now, race__source=source
        ).values_list("pk", "race_id", "due_at")
    )
    latest: dict[int, dt.datetime] = {}
    for _, race_id, due_at in rows:
        latest[race_id] = max(latest.get(race_id, due_at), due_at)
    superseded = [pk for pk, race_id, due_at in rows if due_at < latest[race_id]]
    if not superseded:
        return 0
    return ScheduledCheck.objects.filter(pk__in=superseded, done_at__isnull=True).update(
        done_at=now, outcome="skipped: a later odds check of the race was due too"
    )


def _unclaimed(now: dt.datetime) -> Q:
    return Q(started_at__isnull=True) | Q(started_at__lt=now - LEASE)


def _claim(now: dt.datetime, source: str, tried: set[int]) -> ScheduledCheck | None:
    """The next due check nobody runs, marked started by this worker (PostgreSQL: rows another worker holds are
    skipped; everywhere: the conditional update lets one claimant win)."""
    while True:
        with transaction.atomic():
            due = (
                ScheduledCheck.objects.filter(_unclaimed(now), done_at__isnull=True, due_at__lte=now)
                .filter(race__source=source)
                .exclude(pk__in=tried)
                .order_by("due_at", "race_id", "kind")
            )
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            check = due.first()
            if check is None:
                return None
            won = ScheduledCheck.objects.filter(pk=check.pk, done_at__isnull=True, started_at=check.started_at).update(
                started_at=now
            )
        if won:
            check.started_at = now
            return check
        tried.add(check.pk)  # another worker took it between the read and the update


def _run(check: ScheduledCheck, feed, now: dt.datetime, report: TickReport) -> None:
    race = Race.objects.select_related("meeting").get(pk=check.race_id)
    if race.status == RaceStatus.CANCELLED or race.results_official:
        report.skipped += 1
        reason = "cancelled" if race.status == RaceStatus.CANCELLED else "results already official"
        _finish(check, now, f"skipped: {reason}", attempted=False)
        return
    start, wait_more = race.start_time, False
    try:
        if check.kind == CheckKind.OFF:
            outcome = _off(race, check, now)
        elif check.kind == CheckKind.ODDS:
            outcome = "odds: " + _short(feed.race(race=race, results=False))
        else:
            outcome, wait_more = _results(race, feed)
    except DatabaseError:
        raise  # the task's retry policy deals with a database that went away; the claim's lease runs out
    except Exception as exc:  # a feed that failed (FeedUnavailable) or a bug: recorded, the tick goes on
        if not isinstance(exc, FeedUnavailable):
            logger.exception("check %s (%s of race %s) failed", check.pk, check.kind, check.race_id)
        _failed(check, race, exc, now, report)
        return
    with transaction.atomic():
        if wait_more:
            outcome += "; " + _next_results(race, check, now)
        _finish(check, now, outcome)
    report.ran += 1
    report.outcomes.append(f"{race.code} {check.kind}: {outcome}")
    race.refresh_from_db(fields=["start_time", "status"])
    if race.start_time != start or race.status == RaceStatus.CANCELLED:
        schedule_races([race], now=now)  # the feed moved the off (or cancelled the race): replan it


def _off(race: Race, check: ScheduledCheck, now: dt.datetime) -> str:
    failures = [
        f"{getattr(receiver, '__qualname__', receiver)}: {error}"
        for receiver, error in races_off.send_robust(sender=ScheduledCheck, race_ids=[race.pk])
        if isinstance(error, Exception)
    ]
    if failures:
        raise RuntimeError("races_off: " + "; ".join(failures))
    late = now - check.due_at
    return "races_off sent" + (f" {late.total_seconds() / 60:.0f} min late" if late >= _minutes(2) else "")


def _results(race: Race, feed) -> tuple[str, bool]:
    """Read the race's results: the outcome, and whether another results check is needed."""
    fed = feed.race(race=race, results=True)
    race.refresh_from_db(fields=["status", "results_official", "start_time"])
    if race.status == RaceStatus.CANCELLED:
        return "cancelled", False
    if race.results_official:
        return "official: arrival and rapports définitifs written; " + _short(fed), False
    return "not published yet; " + _short(fed), True


def _next_results(race: Race, check: ScheduledCheck, now: dt.datetime) -> str:
    """Plan the next results check, or say the race is given up on."""
    off = race.start_time or check.due_at
    give_up = off + dt.timedelta(hours=settings.FEED_RESULTS_GIVE_UP_HOURS)
    due = now.replace(second=0, microsecond=0) + _minutes(settings.FEED_RESULTS_EVERY_MINUTES)
    if due > give_up:
        return f"gave up: no rapports définitifs {settings.FEED_RESULTS_GIVE_UP_HOURS} h after the off"
    ScheduledCheck.objects.get_or_create(race=race, kind=CheckKind.RESULTS, due_at=due)
    return f"next check at {timezone.localtime(due):%H:%M}"


def _failed(check: ScheduledCheck, race: Race, exc: Exception, now: dt.datetime, report: TickReport) -> None:
    report.failed += 1
    message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, FeedUnavailable) else str(exc)
    attempts = check.attempts + 1
    if attempts < MAX_ATTEMPTS:
        # Released: the next tick tries again.
        ScheduledCheck.objects.filter(pk=check.pk).update(
            attempts=attempts, started_at=None, outcome=f"attempt {attempts} failed: {message}"[:300]
        )
        report.outcomes.append(f"{race.code} {check.kind}: attempt {attempts} failed: {message}")
        return
    outcome = f"failed {attempts} times: {message}"
    if check.kind == CheckKind.RESULTS:
        with transaction.atomic():
            outcome = f"{outcome}; {_next_results(race, check, now)}"
            ScheduledCheck.objects.filter(pk=check.pk).update(attempts=attempts, done_at=now, outcome=outcome[:300])
    else:
        ScheduledCheck.objects.filter(pk=check.pk).update(attempts=attempts, done_at=now, outcome=outcome[:300])
    report.outcomes.append(f"{race.code} {check.kind}: {outcome}")


def _finish(check: ScheduledCheck, now: dt.datetime, outcome: str, *, attempted: bool = True) -> None:
    ScheduledCheck.objects.filter(pk=check.pk).update(
        done_at=now, outcome=outcome[:300], attempts=check.attempts + (1 if attempted else 0)
    )


def _short(report: FeedReport) -> str:
    counts = Counter(
        {
            "updated": report.races_updated + report.races_created,
            "snapshots": report.snapshots,
            "rejected": len(report.rejected),
        }
    )
    parts = [f"{name}={count}" for name, count in counts.items() if count]
    if report.not_published:
        parts.append("not published: " + ", ".join(report.not_published))
    return "; ".join(parts) or "nothing changed"
