"""Freshness of the live sources, for operators and users: ``GET /api/v1/health/data-sources``, and the hook that
turns ``GET /api/v1/health`` to "degraded" when the configured feed is late (``TURF_HEALTH_CHECKS``).

A source is *stale* when schedule checks that read it (odds, results) were due more than ``FEED_STALE_MINUTES``
ago and it has not succeeded since; only the configured feed (``TURF_FEED``) is expected to be fresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import SYNTHETIC_SOURCES, CheckKind, FeedSource, Race, ScheduledCheck, Source

# Checks older than this do not make a source stale: a day the feed was off is history, not a live problem.
LOOKBACK = dt.timedelta(hours=24)
DETAIL_URL = "/api/v1/health/data-sources"


@dataclass
class DataSource:
    name: str
    label: str
    configured: bool
    synthetic: bool
    last_success_at: dt.datetime | None
    last_error: dict | None  # {"message", "at"}
    races_today: int
    pending_checks: int
    next_check_at: dt.datetime | None
    stale: bool
    stale_since: dt.datetime | None  # the oldest check due, unanswered, that makes it stale


def configured_feed() -> str | None:
    """The source the schedule reads (``TURF_FEED``), None when the feed is off."""
    return None if settings.TURF_FEED == "off" else settings.TURF_FEED


def data_source_list(*, now: dt.datetime | None = None) -> list[DataSource]:
    """Every source a live feed has read (``FeedSource`` rows) and the configured one, configured first."""
    now = now or timezone.now()
    configured = configured_feed()
    rows = {row.name: row for row in FeedSource.objects.all()}
    names = sorted(set(rows) | ({configured} if configured else set()), key=lambda name: (name != configured, name))
    labels = dict(Source.choices)
    today = timezone.localdate(now)
    out = []
    for name in names:
        row = rows.get(name)
        last_success = row.last_success_at if row else None
        pending = ScheduledCheck.objects.filter(race__source=name, done_at__isnull=True).aggregate(
            count=Count("pk"), next=Min("due_at")
        )
        late = stale_since(name, last_success, now) if name == configured else None
        out.append(
            DataSource(
                name=name,
                label=labels.get(name, name),
                configured=name == configured,
                synthetic=name in SYNTHETIC_SOURCES,
                last_success_at=last_success,
                last_error={"message": row.last_error, "at": row.last_error_at} if row and row.last_error_at else None,
                races_today=Race.objects.filter(source=name, meeting__date=today).count(),
                pending_checks=pending["count"],
                next_check_at=pending["next"],
                stale=late is not None,
                stale_since=late,
            )
        )
    return out


def stale_since(name: str, last_success: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The oldest feed check of the source due more than FEED_STALE_MINUTES ago and after its last success (a
    check skipped without reading the feed, superseded by a later one, does not count)."""
    now = now or timezone.now()
    since = now - LOOKBACK if last_success is None else max(last_success, now - LOOKBACK)
    late = ScheduledCheck.objects.filter(
        Q(done_at__isnull=True) | Q(attempts__gt=0),
        kind__in=[CheckKind.ODDS, CheckKind.RESULTS],
        race__source=name,
        due_at__gt=since,
        due_at__lte=now - dt.timedelta(minutes=settings.FEED_STALE_MINUTES),
    )
    return late.aggregate(oldest=Min("due_at"))["oldest"]


def feed_health() -> tuple[str, str, str | None]:
    """``/api/v1/health``'s hook (``TURF_HEALTH_CHECKS``): ("data_sources", "ok" | "stale" | "off", the problem
    in a sentence when the configured feed is stale)."""
    configured = configured_feed()
    if configured is None:
        return "data_sources", "off", None
    source = next(s for s in data_source_list() if s.name == configured)
    if not source.stale:
        return "data_sources", "ok", None
    since = timezone.localtime(source.stale_since)
    last = f"{timezone.localtime(source.last_success_at):%Y-%m-%d %H:%M}" if source.last_success_at else "never"
    return (
        "data_sources",
        "stale",
        f"the {configured} feed is late: checks due since {since:%H:%M} are unanswered (last success: {last}); "
        f"see {DETAIL_URL}",
    )
