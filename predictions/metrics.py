"""The active model for Prometheus, read at scrape time (``TURF_METRICS_COLLECTORS`` names it: turf's ``/metrics``
calls it without importing predictions)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from .services.versions import model_version_active_get


def active_model() -> Iterable[Metric]:
    """``turf_model_active_info{version, kind} 1`` for the version the API serves (no sample when none is), and
    when that version was created: trained, for a trained one."""
    info = GaugeMetricFamily(
        "turf_model_active_info", "The model version the API serves (value 1)", labels=["version", "kind"]
    )
    created = GaugeMetricFamily("turf_model_active_created_timestamp_seconds", "When the active version was created")
    active = model_version_active_get()
    if active is not None:
        info.add_metric([active.version, active.kind], 1)
        created.add_metric([], active.created_at.timestamp())
    return [info, created]
