"""``GET /metrics``: what an operator's Prometheus scrapes, and who may scrape it.

The counters are the process's own (no PROMETHEUS_MULTIPROC_DIR in tests; test_serve.py scrapes the
multiprocess aggregate of `make run`'s gunicorn workers): each test reads them before and after what it does.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from courses.models import FeedSource, Source
from predictions.tests.factories import DAY, model_version, scored_card

pytestmark = pytest.mark.django_db


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape from the loopback (the test client's address)."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before, after, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_it_counts_requests_by_view_and_status_and_times_them(client, api, free_user):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    after = scrape(client)

    status = "django_http_responses_total_by_status_view_method_total"
    assert delta(before, after, status, method="GET", status="200", view="health") == 3
    assert delta(before, after, status, method="GET", status="401", view="auth-me") == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert delta(before, after, latency, method="GET", view="health") == 3
    # The database's queries and the cache's reads, by django-prometheus' wrappers of our backends.
    assert delta(before, after, "django_db_execute_total", alias="default", vendor=_vendor()) > 0
    assert any(name == "django_cache_get_total" for name, _ in after)


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def test_a_predictions_call_counts_one_prediction_served_by_kind_and_plan(client, api, premium_user):
    scored_card()
    before = scrape(client)
    assert api.as_user(premium_user).get(f"/api/v1/predictions/all?date={DAY}").status_code == 200
    assert api.as_user(premium_user).get("/api/v1/courses/R1C1/predictions?date=2001-01-01").status_code == 404
    after = scrape(client)

    served = "turf_predictions_served_total"
    assert delta(before, after, served, kind="all", plan="premium") == 1
    assert delta(before, after, served, kind="race_card", plan="premium") == 0  # a 404 served nothing


def test_the_active_model_version_is_scraped_from_the_database(client):
    model_version("test-model-7", active=True)
    samples = scrape(client)
    assert value(samples, "turf_model_active_info", version="test-model-7", kind="fundamental") == 1
    assert not any(name == "turf_model_active_info" and ("version", "other") in labels for name, labels in samples)
    assert value(samples, "turf_metrics_collector_up", collector="predictions.metrics.active_model") == 1


def test_feed_freshness_is_the_seconds_since_each_sources_last_success(client):
    FeedSource.objects.create(name=Source.PMU, last_success_at=timezone.now() - dt.timedelta(minutes=10))
    samples = scrape(client)
    assert 600 <= value(samples, "turf_feed_seconds_since_success", source="pmu") < 660


def test_a_failing_collector_is_left_out_and_says_so_while_the_rest_answers(client, settings):
    settings.TURF_METRICS_COLLECTORS = ["courses.metrics.no_such_collector", "predictions.metrics.active_model"]
    samples = scrape(client)
    assert value(samples, "turf_metrics_collector_up", collector="courses.metrics.no_such_collector") == 0
    assert value(samples, "turf_metrics_collector_up", collector="predictions.metrics.active_model") == 1
    assert any(name.startswith("django_http_") for name, _ in samples)


def test_a_retrain_counts_its_outcome_and_sets_its_time_and_duration(client, eager_celery, monkeypatch):
    from predictions import tasks

    def slow_retrain(until):
        time.sleep(0.05)
        return {"version": "candidate-1", "promoted": True, "rerun_of": None}

    monkeypatch.setattr(tasks, "model_retrain", slow_retrain)
    before = scrape(client)
    started = time.time()
    assert tasks.retrain.delay().get() == {"version": "candidate-1", "promoted": True, "rerun_of": None}
    after = scrape(client)

    assert delta(before, after, "turf_celery_tasks_total", task="predictions.retrain", outcome="success") == 1
    assert started <= value(after, "turf_retrain_last_finished_timestamp_seconds") <= time.time()
    assert 0.05 <= value(after, "turf_retrain_last_duration_seconds") < 5


def test_a_failing_task_counts_a_failure(client, eager_celery, monkeypatch):
    """As a worker runs it: the failure is recorded, not raised (Celery sends no failure signal for an eager task
    whose error propagates to its caller: there the caller sees the error)."""
    from predictions import tasks

    def broken(until):
        raise ValueError("no races to train on")

    monkeypatch.setattr(tasks, "model_retrain", broken)
    failure = {"task": "predictions.retrain", "outcome": "failure"}
    before = value(scrape(client), "turf_celery_tasks_total", **failure)
    result = tasks.retrain.apply(throw=False)
    assert result.failed() and isinstance(result.result, ValueError)
    assert value(scrape(client), "turf_celery_tasks_total", **failure) - before == 1


def test_a_task_asking_for_a_retry_counts_a_retry(client, eager_celery, monkeypatch):
    from django.db import OperationalError

    from predictions import tasks

    calls = []

    def flaky(until):
        calls.append(until)
        if len(calls) == 1:
            raise OperationalError("the database restarted")
        return {"version": "candidate-2", "promoted": False, "rerun_of": None}

    monkeypatch.setattr(tasks, "model_retrain", flaky)
    retry = {"task": "predictions.retrain", "outcome": "retry"}
    before = value(scrape(client), "turf_celery_tasks_total", **retry)
    try:
        tasks.retrain.apply(throw=False)
    finally:
        after = value(scrape(client), "turf_celery_tasks_total", **retry)
    assert after - before == 1


# -- who may scrape ------------------------------------------------------------------------------------------


def test_an_address_outside_the_allow_list_gets_a_bare_404(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    assert b"django_" not in response.content and b"turf_" not in response.content


def test_a_network_in_the_allow_list_lets_its_addresses_in(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 404  # the loopback is no longer listed


def test_with_a_token_set_a_scrape_without_it_or_with_another_is_refused(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-secret-0123456789").status_code == 404
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert ok.status_code == 200 and b"django_http_" in ok.content
    # The token does not open it from an address outside the list.
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert refused.status_code == 404


def test_a_forged_forwarded_for_does_not_open_it_without_trusted_proxies(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404


def test_behind_a_trusted_proxy_the_clients_address_is_the_one_checked(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy is on the loopback; the client it forwards is not allowed.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_metrics_is_not_in_the_api_schema(client):
    paths = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]
    assert not any(path.rstrip("/").endswith("metrics") and not path.startswith("/api/v1/") for path in paths)
    assert "/metrics" not in paths
