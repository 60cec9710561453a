"""What `make run` and `make dev` become: honcho running the Procfile's web process and Celery beat (the live
feed's schedule, the nightly retrain), and a Celery worker beside them when PostgreSQL and Redis are configured
(``DATABASE_URL`` and ``REDIS_URL``). Without a broker, Celery is eager: beat runs the tasks it schedules itself.

The process replaces itself with honcho (exec), so the process make started is the supervisor: a SIGTERM to
it, or Ctrl-C, stops every process it started, together. ``--dev`` runs Procfile.dev instead: Django's
runserver (auto-reload) with DEBUG on.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from django.conf import settings

from turf.probes import redis_reachable


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
