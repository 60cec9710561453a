"""What `make run` and `make dev` become: honcho running the Procfile's web process and Celery beat (the live
feed's schedule, the nightly retrain), and a Celery worker beside them when PostgreSQL and Redis are configured
(``DATABASE_URL`` and ``REDIS_URL``). Without a broker, Celery is eager: beat runs the tasks it schedules itself.

The process replaces itself with honcho (exec), so the process make started is the supervisor: a SIGTERM to
it, or Ctrl-C, stops every process it started, together. Without ``--dev`` (``make run``) DEBUG is off unless the
environment says otherwise; ``--dev`` (``make dev``) runs Procfile.dev instead: Django's runserver (auto-reload)
with DEBUG on.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path

from django.conf import settings

from turf.probes import redis_reachable


def metrics_dir(port: int) -> Path:
    """PROMETHEUS_MULTIPROC_DIR, emptied: where every process it starts (gunicorn's workers, Celery's) writes its
    metrics for /metrics to add up. One per user and port in the temporary directory unless set; a directory
    another user owns, or others may write to, is refused (its files are read at every scrape)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.gettempdir()) / f"turf-metrics-{os.getuid()}-{port}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise SystemExit(f"serve: {path} must be a directory of this user that no one else may write to")
    for old in path.glob("*.db"):  # the last run's values: counters start again from zero
        old.unlink()
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m turf.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="runserver with auto-reload and DEBUG on")
    args = parser.parse_args(argv)
    if args.dev:
        os.environ["DEBUG"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")

    if settings.DATABASE_URL and settings.REDIS_URL:
        processes = ["web", "worker", "beat"]
        print("serve: PostgreSQL and Redis configured: a Celery worker and beat run beside the web server")
    else:
        # Eager Celery: beat runs each task in its own process when it is due, no broker needed.
        processes = ["web", "beat"]
        print("serve: embedded mode (SQLite, eager Celery): the web server, and beat running the scheduled tasks")
    if settings.DEBUG:
        print("serve: DEBUG on: Django's debug pages show URL patterns, tracebacks and settings (local use only)")
    else:
        print("serve: DEBUG off (make dev turns it on)")
    if settings.REDIS_URL:
        redis_warning()
    print(f"serve: live feed  TURF_FEED={settings.TURF_FEED} (state: /api/v1/health/data-sources)")
    base = f"http://{settings.HOST}:{settings.PORT}"
    print(f"serve: dashboard  {base}/login/  (log in with the staff account above;")
    print("       '.venv/bin/python manage.py set_plan EMAIL premium' opens the value bets)")
    print(f"serve: admin      {base}/admin/   API  {base}/api/v1/docs")
    print("serve: Ctrl-C (or a SIGTERM to this process) stops them all", flush=True)

    # The Procfiles' commands come from this virtualenv and read HOST; honcho gives the first process (web)
    # the port it is told as PORT. No .env: the served processes see the environment migrate saw.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    os.environ["HOST"] = settings.HOST
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(settings.PORT))
    os.chdir(settings.BASE_DIR)
    procfile = "Procfile.dev" if args.dev else "Procfile"
    honcho = [sys.executable, "-m", "honcho", "start", "--procfile", procfile, "--env", os.devnull]
    os.execv(sys.executable, [*honcho, "--port", str(settings.PORT), *processes])


def redis_warning() -> bool:
    """Say, before serving, that Redis does not answer (the service starts anyway, degraded); True if it does not."""
    problem = redis_reachable(settings.REDIS_URL)
    if problem is None:
        return False
    print(
        f"serve: WARNING: Redis at REDIS_URL does not answer ({problem}): the service starts degraded (request limits"
        " and cached answers without Redis, Celery tasks retried then kept); see README 'When a service is down'",
        file=sys.stderr,
        flush=True,
    )
    return True


if __name__ == "__main__":
    main()
