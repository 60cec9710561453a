"""The model's data under faults and at the same time: a retrain killed with SIGKILL mid-way leaves the active
version and its predictions as they were (and the next one succeeds); two retrains at once give one candidate;
two rescorings of the same day at once leave the rows of one run. On the real test database (PostgreSQL: the
killed retrain runs in a process of its own, and the locks are the database's)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from courses.models import Source
from predictions.models import ModelStatus, ModelVersion, Prediction
from predictions.services.registry import TRAINING_LOCK, model_train
from predictions.services.scoring import predictions_score
from predictions.services.versions import market_baseline, model_version_activate, model_version_active_get
from predictions.tasks import retrain
from turf.locks import held
from turf.tests.faults import require, run_together

from .factories import bad_copy

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HISTORY_DAYS = 25  # enough finished races to train, validate and promote, quickly


def _load_demo(days: int) -> None:
    today = timezone.localdate()
    call_command(
        "load_demo",
        *("--start", str(today - dt.timedelta(days=days)), "--today", str(today), "--seed", "7"),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )


@pytest.fixture
def programme():
    """Demo racing up to tomorrow, scored by a deliberately bad active model (committed): a retrain promotes."""
    today = timezone.localdate()
    _load_demo(HISTORY_DAYS)
    active = model_version_activate(model_version=bad_copy(model_train(until=today, source=Source.DEMO)))
    assert predictions_score(start=today, end=today + dt.timedelta(days=1), model_version=active) > 0
    return active


def _snapshot() -> list[tuple]:
    return list(Prediction.objects.order_by("pk").values_list("pk", "model_version_id", "win_probability", "scored_at"))


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


KILLED_RETRAIN = textwrap.dedent(
    """
    import os, sys, time
    import django

    django.setup()
    from predictions.services import registry
    from predictions.tasks import retrain

    marker, until = sys.argv[1], sys.argv[2]
    scored = registry.predictions_score

    def score_then_hang(**kwargs):
        # Inside the promotion's transaction: the candidate activated, the coming races rescored, nothing committed.
        written = scored(**kwargs)
        with open(marker, "w") as f:
            f.write(str(written))
        time.sleep(120)

    registry.predictions_score = score_then_hang
    retrain.run(until=until)
    """
)


def test_a_retrain_killed_mid_way_leaves_the_active_model_and_its_predictions(programme, tmp_path):
    require(connection.vendor == "postgresql", "PostgreSQL")  # the killed process must share the test database
    before = _snapshot()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "turf.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    marker = tmp_path / "scored"
    until = timezone.localdate().isoformat()
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_RETRAIN, str(marker), until],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the retrain never reached its promotion"
            time.sleep(0.1)
        assert int(marker.read_text()) > 0  # it had written the new predictions, uncommitted
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(10)
    deadline = time.monotonic() + 10
    while _other_sessions() and time.monotonic() < deadline:  # the server notices the dead client and rolls back
        time.sleep(0.1)

    assert model_version_active_get().pk == programme.pk
    assert _snapshot() == before
    killed = ModelVersion.objects.exclude(pk=programme.pk).filter(status=ModelStatus.CANDIDATE)
    assert killed.count() == 2  # the programme's own trained one and the killed run's, both only candidates

    result = retrain.run(until=until)  # the next run is not blocked by the dead one's lock, and succeeds
    assert result["promoted"] is True
    assert model_version_active_get().version == result["version"]
    assert Prediction.objects.filter(model_version__version=result["version"]).exists()


def test_two_retrains_at_once_train_one_candidate(programme):
    versions = set(ModelVersion.objects.values_list("pk", flat=True))
    until = timezone.localdate().isoformat()
    results = run_together(lambda: retrain.run(until=until), lambda: retrain.run(until=until))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(bool(r.get("skipped")) for r in results) == [False, True]
    new = ModelVersion.objects.exclude(pk__in=versions)
    assert new.count() == 1 and new.get().status == ModelStatus.ACTIVE
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 1


def test_train_promote_waits_for_a_retrain_running_and_then_trains_its_own(programme):
    versions = set(ModelVersion.objects.values_list("pk", flat=True))
    taken, released = threading.Event(), []

    def nightly_retrain_running() -> None:  # holds the training lock a while, as a retrain does
        with held(TRAINING_LOCK) as mine:
            assert mine
            taken.set()
            time.sleep(1.5)
            released.append(timezone.now())
        connections.close_all()

    holder = threading.Thread(target=nightly_retrain_running)
    holder.start()
    assert taken.wait(10)
    err = StringIO()
    call_command("train", "--promote", "--source", "demo", "--no-progress", stdout=StringIO(), stderr=err)
    holder.join(10)
    assert "waiting" in err.getvalue()
    new = ModelVersion.objects.exclude(pk__in=versions).get()
    assert new.created_at >= released[0]  # trained once the retrain had let go, not beside it
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 1


def test_two_rescorings_of_the_same_day_leave_the_rows_of_one_run():
    _load_demo(2)
    version = model_version_activate(model_version=market_baseline())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)  # no race goes off between the runs
    window = {"start": tomorrow, "end": tomorrow, "model_version": version}
    one_run = predictions_score(**window)
    rows = Prediction.objects.filter(model_version=version)
    assert rows.count() == one_run > 0

    results = run_together(lambda: predictions_score(**window), lambda: predictions_score(**window))
    assert results == [one_run, one_run]
    assert rows.count() == one_run
    assert rows.values("scored_at").distinct().count() == 1  # every row from the same run, not a mix of two
    assert rows.values("runner_id").distinct().count() == one_run
