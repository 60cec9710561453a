"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging, task_failure, task_retry, task_success
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from turf.metrics import task_outcome

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")

app = Celery("turf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A database that restarts or a dropped connection is worth another try; a bug is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)
# Every task's retry policy: back off from 30 s to 10 min, five times.
RETRY_POLICY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5}
# What sending a task raises when the broker does not take it, its publish retries spent (kombu's OperationalError
# wraps redis-py's connection errors).
QUEUE_DOWN = (BrokerError, ConnectionError, OSError)


@setup_logging.connect(weak=False)
def _logging_as_django(**kwargs) -> None:
    """The worker and beat log as the web does (settings.LOGGING: LOG_FORMAT, LOG_LEVEL, the task's id on each
    line), instead of Celery's own set-up."""
    dictConfig(settings.LOGGING)


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
