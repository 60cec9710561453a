"""gunicorn's configuration, for the Procfile's web process: every value is a Turf setting (from the environment)."""

import os

from django.conf import settings
from prometheus_client import multiprocess

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")

wsgi_app = "turf.wsgi:application"
bind = [f"{settings.HOST}:{settings.PORT}"]
workers = settings.WEB_CONCURRENCY
timeout = settings.WEB_TIMEOUT
# One line a request on the console, as runserver printed.
accesslog = "-"
# gunicorn's own format, ending with the request id the answer carries (turf.logs), to find a user's report.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
# Its default path (~/.gunicorn/gunicorn.ctl) is one per user, taken over by whichever gunicorn started last;
# nothing here uses gunicornc.
control_socket_disable = True


def child_exit(server, worker):
    """A worker that exits hands back its live gauges (prometheus_client's multiprocess mode, turf/serve.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
