"""Beat's scheduler: django-celery-beat's, its rows edited in the admin, without a clean-up of nothing.

django-celery-beat adds a ``celery.backend_cleanup`` row (daily, 04:00) whenever results expire
(``result_expires``, a day by default), whatever the result backend. Ours is Redis, which gives every result a
time to live and has nothing to clean; without a result backend there is nothing either. The row would only
sit in the admin's list above our own tasks and run a task that does nothing: it is neither added nor kept
(``turf`` migration 0002 removed the rows earlier beats added). A backend that needs the clean-up (a database)
keeps it.
"""

from __future__ import annotations

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

BACKEND_CLEANUP = "celery.backend_cleanup"


def results_expire_themselves(app) -> bool:
    """Whether the app's results need no clean-up task: no result backend, or one that expires them (Redis)."""
    return not app.conf.result_backend or app.backend.supports_autoexpire


class Scheduler(DatabaseScheduler):
    """django-celery-beat's ``DatabaseScheduler`` (``CELERY_BEAT_SCHEDULER``), ``celery.backend_cleanup`` only where
    the result backend needs it."""

    def install_default_entries(self, data):
        if results_expire_themselves(self.app):
            PeriodicTask.objects.filter(name=BACKEND_CLEANUP, task=BACKEND_CLEANUP).delete()
            return
        super().install_default_entries(data)
