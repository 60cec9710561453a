"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import task_failure, task_retry, task_success
from django.db import InterfaceError, OperationalError

from turf.metrics import task_outcome

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")

app = Celery("turf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A database that restarts or a dropped connection is worth another try; a bug is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)
# Every task's retry policy: back off from 30 s to 10 min, five times.
RETRY_POLICY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5}


# Every task's outcome, counted for /metrics (turf_celery_tasks_total{task, outcome}); eager runs count too.
@task_success.connect(weak=False)
def _count_success(sender=None, **kwargs) -> None:
    task_outcome(task=sender.name, outcome="success")


@task_failure.connect(weak=False)
def _count_failure(sender=None, **kwargs) -> None:
    task_outcome(task=sender.name, outcome="failure")


@task_retry.connect(weak=False)
def _count_retry(sender=None, **kwargs) -> None:
    task_outcome(task=sender.name, outcome="retry")
