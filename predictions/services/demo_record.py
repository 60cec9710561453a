"""The demo's own track record: its past days published as the live day would have published them, then closed into
the demo chain, so that a new install shows a working record (labelled synthetic, never mixed with real days).

A past demo day has been run already (its arrivals and rapports written by ``load_demo``); nobody was there to
publish before its offs. The replay does what the live day does, race by race in order of the off, with the clock
set back: the race scored at its last odds check (``FEED_ODDS_EVERY_MINUTES`` before the off, at the odds the demo
shows then: its final odds) by ``predictions_score_races``, then frozen at the off by ``predictions_freeze``, whose
rule stands (only a prediction scored before the off is frozen; a race already frozen is left as it is). The version
is the walk-forward one: of the active version and the market baseline, the one preferred among those the
walk-forward rule lets vouch for the day (``versions.walk_forward_order``) — a model trained on or after the day
never speaks for it. The days are then closed in order (``track_record_close``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from courses.models import SYNTHETIC_SOURCES, Race, RaceStatus

from ..models import ModelKind, ModelVersion, PublishedPrediction, PublishedStage, RecordChain, TrackRecordDay
from .published import predictions_freeze
from .scoring import UnscorableVersion, predictions_score_races
from .track_record import track_record_close
from .versions import market_baseline, model_version_active_get, walk_forward_order


@dataclass
class DemoReplay:
    """What ``track_record_demo_replay`` did: races frozen at their off, days closed, by version."""

    days: int = 0
    races_frozen: int = 0
    closed: list[dt.date] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # version -> races it spoke for
    not_closed: dict[dt.date, str] = field(default_factory=dict)

    def summary(self) -> str:
        used = ", ".join(f"{version} {races}" for version, races in sorted(self.versions.items())) or "none"
        return (
            f"demo track record: {self.days} past days replayed, {self.races_frozen} races frozen at their off "
            f"(versions: {used}), {len(self.closed)} days closed into the demo chain"
        )


def walk_forward_version(day: dt.date, candidates: list[ModelVersion]) -> ModelVersion:
    """Of ``candidates``, the preferred version the walk-forward rule lets vouch for ``day`` (the market baseline
    when no trained one may)."""
    eligible = [
        version
        for version in candidates
        if version.kind == ModelKind.MARKET or (version.trained_until is not None and version.trained_until < day)
    ]
    return walk_forward_order(eligible)[-1] if eligible else market_baseline()


def track_record_demo_replay(*, days: int | None = None, now: dt.datetime | None = None, progress=None) -> DemoReplay:
    """Replay the demo's last ``days`` past days (default ``TRACK_RECORD_DEMO_DAYS``) as their live day would have
    run, and close them into the demo chain (see the module's docstring). Days already closed are left as they are."""
    now = now or timezone.now()
    days = settings.TRACK_RECORD_DEMO_DAYS if days is None else days
    today = timezone.localdate(now)
    report = DemoReplay()
    if days <= 0:
        return report
    active = model_version_active_get()
    candidates = [market_baseline(), *([active] if active is not None and active.kind != ModelKind.MARKET else [])]
    every = dt.timedelta(minutes=settings.FEED_ODDS_EVERY_MINUTES)
    races = (
        Race.objects.filter(
            source__in=SYNTHETIC_SOURCES,
            meeting__date__gte=today - dt.timedelta(days=days),
            meeting__date__lt=today,
            start_time__isnull=False,
        )
        .exclude(status=RaceStatus.SCHEDULED)
        .select_related("meeting")
        .order_by("meeting__date", "start_time", "pk")
    )
    # The chain only grows at its head: a day closed is never written again, nor is a day before it.
    head = TrackRecordDay.objects.filter(chain=RecordChain.DEMO).order_by("-day").values_list("day", flat=True).first()
    by_day: dict[dt.date, list[Race]] = {}
    for race in races:
        if head is None or race.meeting.date > head:
            by_day.setdefault(race.meeting.date, []).append(race)
    frozen = set(
        PublishedPrediction.objects.filter(
            stage=PublishedStage.OFF, runner__race__in=[race.pk for day in by_day.values() for race in day]
        ).values_list("runner__race_id", flat=True)
    )
    for day, day_races in by_day.items():
        report.days += 1
        version = walk_forward_version(day, candidates)
        for race in day_races:
            if race.pk in frozen:
                continue
            try:
                predictions_score_races(race_ids=[race.pk], model_version=version, at=race.start_time - every)
            except UnscorableVersion:
                version = market_baseline()
                predictions_score_races(race_ids=[race.pk], model_version=version, at=race.start_time - every)
            done = predictions_freeze(
                race_ids=[race.pk], stage=PublishedStage.OFF, model_version=version, at=race.start_time
            )
            if done.races_frozen:
                report.races_frozen += 1
                report.versions[version.version] = report.versions.get(version.version, 0) + 1
        if progress is not None:
            progress()
    for day in by_day:
        closing = track_record_close(chain=RecordChain.DEMO, day=day, now=now)
        if closing.record is not None:
            report.closed.append(day)
        else:
            report.not_closed[day] = closing.reason
    return report
