"""Redis away: health says so (degraded, not down), start-up says so (``make run``'s warning, the turf.W001
system check), the dashboard's log-in still works; and whether a Celery worker answers, asked for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from django.core.checks import Warning
from django.core.management import call_command
from django_redis.cache import RedisCache

from turf import probes, serve, views
from turf.celery import app as celery_app
from turf.checks import redis_check

from .faults import require

pytestmark = pytest.mark.django_db


def dead_port() -> int:
    """A loopback port nothing listens on: a connection is refused, as by a Redis that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{dead_port()}/0"


@pytest.fixture
def broker_mode(settings):
    """Celery as in production: tasks go to the Redis broker (REDIS_URL), health pings for a worker."""
    require(bool(settings.REDIS_URL), "Redis")
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.HEALTH_WORKER_PING_MS = 500
    probes.worker_state_forget()
    yield
    probes.worker_state_forget()
    celery_app.conf.task_always_eager = before


def test_health_reports_a_cache_that_does_not_answer_as_degraded_not_down(client, monkeypatch, dead_redis_url):
    # Only health's own probe sees the dead Redis here: the request counters are the rate limits' (their own tests).
    monkeypatch.setattr(views, "cache", RedisCache(dead_redis_url, {}))
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == ("degraded", "ok", "unavailable")
    assert body["problems"][0] == views.CACHE_PROBLEM


def test_the_start_up_says_redis_does_not_answer_and_starts_anyway(settings, dead_redis_url, capsys):
    settings.REDIS_URL = dead_redis_url
    [warning] = redis_check()
    assert isinstance(warning, Warning) and warning.id == "turf.W001" and "does not answer" in warning.msg
    call_command("check")  # a warning, not an error: manage.py (migrate, runserver, make run) carries on
    assert "turf.W001" in capsys.readouterr().err

    assert serve.redis_warning() is True
    err = capsys.readouterr().err
    assert "WARNING: Redis at REDIS_URL does not answer" in err and dead_redis_url not in err


def test_a_redis_that_answers_raises_no_warning(settings):
    require(bool(settings.REDIS_URL), "Redis")
    assert redis_check() == []
    assert serve.redis_warning() is False


def test_no_reset_mail_goes_out_uncounted_while_redis_is_down(free_user, monkeypatch, dead_redis_url, mailoutbox):
    from accounts import attempts
    from accounts.services.password import password_reset_request

    password_reset_request(email=free_user.email)
    assert len(mailoutbox) == 1  # the cache up: counted, mailed
    monkeypatch.setattr(attempts, "cache", RedisCache(dead_redis_url, {}))
    password_reset_request(email=free_user.email)
    assert len(mailoutbox) == 1  # the mails' limit fails closed


def test_in_the_embedded_mode_no_worker_is_needed(client, eager_celery, settings):
    settings.HEALTH_WORKER_PING_MS = 500
    body = client.get("/api/v1/health").json()
    assert body["worker"] == "eager" and not any("worker" in problem for problem in body["problems"])


def test_health_says_whether_a_worker_answers(client, broker_mode, settings):
    assert client.get("/api/v1/health").json()["worker"] == "none"  # the broker answers, no worker does
    body = client.get("/api/v1/health").json()
    assert body["status"] == "degraded" and views.WORKER_PROBLEMS["none"] in body["problems"]

    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "DATABASE_URL": settings.DATABASE_URL}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "turf", "worker", "--pool=solo", "--without-mingle",
         "--without-gossip", "-Q", "turf-health-test", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 40
        state = "none"
        while state != "ok" and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            probes.worker_state_forget()
            state = client.get("/api/v1/health").json()["worker"]
        assert state == "ok"
    finally:
        worker.terminate()
        worker.wait(15)


def test_health_says_the_broker_does_not_answer(client, broker_mode, monkeypatch, dead_redis_url):
    monkeypatch.setattr(celery_app.conf, "broker_url", dead_redis_url)
    started = time.monotonic()
    body = client.get("/api/v1/health").json()
    assert body["worker"] == "unavailable" and views.WORKER_PROBLEMS["unavailable"] in body["problems"]
    assert time.monotonic() - started < 5  # bounded: no long reconnect loop behind a health probe
    # Remembered for HEALTH_WORKER_CACHE_SECONDS: a poller does not ping the broker on every call.
    monkeypatch.undo()
    assert client.get("/api/v1/health").json()["worker"] == "unavailable"
