"""What one feed step did, and the one place that announces it to the apps above courses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from ..clock import not_gone_off
from ..importers.payloads import Rejected
from ..models import Race
from ..signals import races_changed

logger = logging.getLogger("turf.feed")


class FeedUnavailable(Exception):
    """The source could not be read at all (down, timing out, refusing): nothing was written."""


@dataclass
class FeedReport:
    source: str
    races_created: int = 0
    races_updated: int = 0
    races_unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    snapshots: int = 0  # odds snapshots written (odds that moved)
    requests: int = 0
    not_published: list[str] = field(default_factory=list)  # "R1C3 rapports": asked for, not published yet
    changed_race_ids: set[int] = field(default_factory=set)  # programme, odds or non-partants changed
    finished_race_ids: set[int] = field(default_factory=set)  # arrival written
    official_race_ids: set[int] = field(default_factory=set)  # rapports définitifs written

    def merge(self, other: FeedReport) -> FeedReport:
        self.races_created += other.races_created
        self.races_updated += other.races_updated
        self.races_unchanged += other.races_unchanged
        self.rejected.extend(other.rejected)
        self.snapshots += other.snapshots
        self.requests += other.requests
        self.not_published.extend(other.not_published)
        self.changed_race_ids |= other.changed_race_ids
        self.finished_race_ids |= other.finished_race_ids
        self.official_race_ids |= other.official_race_ids
        return self

    def summary(self) -> str:
        return (
            f"{self.source}: races created={self.races_created} updated={self.races_updated} "
            f"unchanged={self.races_unchanged} rejected={len(self.rejected)}; odds snapshots={self.snapshots}; "
            f"requests={self.requests}; not published yet={len(self.not_published)}"
        )


def announce(report: FeedReport, *, reason: str) -> None:
    """Send ``races_changed`` for the report's changed races that have not gone off (the ones a rescore may
    touch). A failing listener is logged, never fails the feed that has committed."""
    ids = sorted(
        Race.objects.filter(not_gone_off(timezone.now()), pk__in=report.changed_race_ids).values_list("pk", flat=True)
    )
    if not ids:
        return
    for receiver, error in races_changed.send_robust(sender=FeedReport, race_ids=ids, reason=reason):
        if isinstance(error, Exception):
            logger.warning("races_changed: %s failed: %s", receiver, error, exc_info=error)
