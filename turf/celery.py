"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os

from celery import Celery
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

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
