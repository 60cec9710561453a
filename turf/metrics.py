"""Prometheus metrics at ``/metrics``: what an operator scrapes.

django-prometheus counts the requests (by view, method and status), their latency, the database's queries and
the cache's hits (its middleware and backend wrappers, in settings). Ours are defined here, in one place, and
the apps count through them: the predictions served (``TurfAPIView.serves_predictions``), the last retrain's
time and duration (``retrain_finished``), the Celery tasks' outcomes (``turf/celery.py``'s signal receivers).
What is read from the database at scrape time (the active model, the feeds' freshness) comes from the apps'
collectors that ``TURF_METRICS_COLLECTORS`` names by dotted path, so turf imports no app.

Under gunicorn, every process (its workers, Celery's) writes its values to ``PROMETHEUS_MULTIPROC_DIR``
(``turf/serve.py`` makes it) and a scrape adds them up; without it (tests, a shell) the process's own registry.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils.module_loading import import_string
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger("turf.metrics")

PREDICTIONS_SERVED = Counter(
    "turf_predictions_served",
    "API answers that served predictions, by endpoint kind and the subscriber's plan",
    ["kind", "plan"],
)
RETRAIN_FINISHED = Gauge(
    "turf_retrain_last_finished_timestamp_seconds",
    "When the last retrain finished (Unix time)",
    multiprocess_mode="mostrecent",
)
RETRAIN_DURATION = Gauge(
    "turf_retrain_last_duration_seconds",
    "How long the last retrain took (training and promotion)",
    multiprocess_mode="mostrecent",
)
CELERY_TASKS = Counter(
    "turf_celery_tasks", "Celery tasks run, by task name and outcome (success, failure, retry)", ["task", "outcome"]
)


def predictions_served(*, kind: str, plan: str) -> None:
    """Count one answer that served predictions."""
    PREDICTIONS_SERVED.labels(kind=kind, plan=plan).inc()


def retrain_finished(*, started: float) -> None:
    """Record a retrain that just finished; ``started`` is its ``time.monotonic()`` at the start."""
    RETRAIN_DURATION.set(time.monotonic() - started)
    RETRAIN_FINISHED.set(time.time())


def task_outcome(*, task: str, outcome: str) -> None:
    CELERY_TASKS.labels(task=task, outcome=outcome).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _ProcessRegistry:
    """This process's own registry (no PROMETHEUS_MULTIPROC_DIR), as a collector of the scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class AppCollectors:
    """The apps' scrape-time metrics (``TURF_METRICS_COLLECTORS``): each callable returns metric families. One
    that fails (the database away) is left out and says so in ``turf_metrics_collector_up``; the rest answer."""

    def __init__(self, paths: Iterable[str]):
        self.paths = list(paths)

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "turf_metrics_collector_up", "1 when the app's collector answered this scrape", labels=["collector"]
        )
        for path in self.paths:
            try:
                collector: Callable[[], Iterable[Metric]] = import_string(path)
                families = list(collector())
            except Exception:  # a failing collector must not take the scrape down with it
                logger.warning("metrics: collector %s failed", path, exc_info=True)
                up.add_metric([path], 0)
                continue
            up.add_metric([path], 1)
            yield from families
        yield up


def scrape() -> bytes:
    """The text of one scrape: every process's metrics (or this one's) and the apps' collectors."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(AppCollectors(settings.TURF_METRICS_COLLECTORS))
    return generate_latest(registry)


def scrape_allowed(request: HttpRequest) -> bool:
    """From an address of ``METRICS_ALLOWED_IPS`` (the client's, as the rate limits read it: ``NUM_PROXIES``)
    and, when ``METRICS_TOKEN`` is set, with ``Authorization: Bearer <token>``."""
    from rest_framework.throttling import BaseThrottle  # here: DRF reads the settings as it is imported

    try:
        address = ipaddress.ip_address(BaseThrottle().get_ident(request) or "")
    except ValueError:
        return False
    if not any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS):
        return False
    if not settings.METRICS_TOKEN:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``, Prometheus' text format. Refused: a bare 404, as if there were nothing here."""
    if request.method not in ("GET", "HEAD") or not scrape_allowed(request):
        return HttpResponseNotFound(b"Not found.\n", content_type="text/plain")
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
