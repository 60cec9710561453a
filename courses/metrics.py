"""The live sources' freshness for Prometheus, read at scrape time (``TURF_METRICS_COLLECTORS`` names it: turf's
``/metrics`` calls it without importing courses)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from .health import data_source_list


def feed_freshness() -> Iterable[Metric]:
    """Per source: seconds since its last successful fetch (a source never fetched has none), and whether it is
    stale (``courses.health``'s rule: only the configured feed can be)."""
    now = timezone.now()
    since = GaugeMetricFamily(
        "turf_feed_seconds_since_success", "Seconds since the source's last successful fetch", labels=["source"]
    )
    stale = GaugeMetricFamily(
        "turf_feed_stale",
        "1 when the configured feed is late (checks due unanswered for FEED_STALE_MINUTES)",
        labels=["source", "configured"],
    )
    for source in data_source_list(now=now):
        if source.last_success_at is not None:
            since.add_metric([source.name], (now - source.last_success_at).total_seconds())
        stale.add_metric([source.name, str(source.configured).lower()], int(source.stale))
    return [since, stale]
