"""Fixtures every app's tests share: personas, API clients and the real data sets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.fixture(autouse=True, scope="session")
def _compiled_translations():
    """The French catalogue compiled as `make messages` does (a .po newer than its .mo only), so that a plain
    `pytest` shows the pages as they are served."""
    import gettext
    import shutil

    from asgiref.local import Local
    from django.core.management import call_command
    from django.utils.translation import trans_real

    if shutil.which("msgfmt") is None:  # gettext missing: the French tests fail, the rest runs (.ci/run installs it)
        return
    call_command("compilemessages", ignore_patterns=[".venv", "staticfiles"], verbosity=0)
    # A catalogue read before it was compiled is read again (what Django's tests do when LOCALE_PATHS changes,
    # and Python's gettext keeps its own cache of .mo files).
    gettext._translations.clear()
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


def _flushes(item: pytest.Item) -> bool:
    """Whether ``item`` ran on a transactional database (its rows deleted by a flush when it ends)."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker is not None and validate_django_db(marker)[0]:  # (transaction, reset_sequences, ...)
        return True
    return not TRANSACTIONAL_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, the rows the migrations wrote (the plans, beat's schedule) are put back at
    once, not only when the next transactional test starts (Django's serialized rollback): under pytest-xdist a
    worker runs a file's transactional tests and then another file's tests, which read those rows."""
    result = yield
    if nextitem is not None and _flushes(item):  # after the last test, the test database is gone
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            with item.config.stash[blocking_manager_key].unblock():
                connection.creation.deserialize_db_from_string(contents)
    return result


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver's one server (session-wide: the PMU feed's replays, the webhooks' receiver) on the IPv4
    loopback, the address its URLs name (the webhooks allow-list 127.0.0.1, never "localhost")."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many accounts; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_from_the_apps(settings):
    """The suite runs without collectstatic: WhiteNoise finds the static files in the apps, as with DEBUG on."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _no_worker_ping(settings):
    """No Celery worker runs beside the tests: health does not ping for one (turf/tests/test_health.py does)."""
    settings.HEALTH_WORKER_PING_MS = 0


@pytest.fixture(autouse=True)
def _minute_window_from_the_test_start(monkeypatch):
    """Each test starts at the start of a one-minute window of the request counters (``billing.counters``): a test
    whose requests straddle the clock's minute (one in sixty on a loaded machine) would see its counters start again
    midway. The windows still follow ``time.time`` (a test that moves the clock on reaches the next one)."""
    import time

    from billing import counters

    start = time.time()

    def minute_window() -> tuple[str, int]:
        elapsed = int(time.time() - start)
        return f"{int(start)}+{elapsed // 60}", 60 - elapsed % 60

    monkeypatch.setattr(counters, "minute_window", minute_window)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and quota counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    """Django's test client asking for English pages: the page tests read the English msgids, whatever the default
    language (French). dashboard/tests/test_i18n.py checks the French default with a client that asks for nothing."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process, as the embedded mode does (CI sets REDIS_URL, which turns eager off)."""
    from turf.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def data_dir() -> Path:
    """The real public data (../shared/data/raw). Missing: fail under CI, skip on a laptop."""
    path = Path(settings.TURF_DATA_DIR)
    if not path.is_dir():
        message = f"the real data sets are not at {path} (set TURF_DATA_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _user(django_user_model, email: str, plan: str | None = "free", **extra):
    from billing.models import Plan, Subscription

    user = django_user_model.objects.create_user(email=email, password="s3cret-Pass!", **extra)
    if plan:
        Subscription.objects.update_or_create(user=user, defaults={"plan": Plan.objects.get(code=plan)})
    return user


@pytest.fixture
def staff(django_user_model):
    return _user(django_user_model, "staff@turf.test", is_staff=True, is_superuser=True)


@pytest.fixture
def free_user(django_user_model):
    return _user(django_user_model, "alice@turf.test", "free")


@pytest.fixture
def premium_user(django_user_model):
    return _user(django_user_model, "paula@turf.test", "premium")


@pytest.fixture
def pro_user(django_user_model):
    return _user(django_user_model, "pierre@turf.test", "pro")


@pytest.fixture
def other_user(django_user_model):
    return _user(django_user_model, "bob@turf.test", "free")


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` sends that user's Bearer access token."""
    from rest_framework.test import APIClient

    from accounts.services import tokens_issue

    class Client(APIClient):
        def as_user(self, user):
            if user is None:
                self.credentials()
            else:
                self.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user)['access_token']}")
            return self

    return Client()


@pytest.fixture
def personas(free_user, premium_user, pro_user):
    return {"anonymous": None, "free": free_user, "premium": premium_user, "pro": pro_user}
