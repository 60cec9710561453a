"""The test suite's environment, set before pytest-django loads the settings (``-p turf.pytest_env`` in
pytest.ini: a root conftest.py is read only after that).

The suite's own SECRET_KEY, so that a test run never writes the local key file (``.secret_key``) into the
repository; a SECRET_KEY already in the environment is kept.

Under pytest-xdist (``make test`` runs one worker per core), each worker its own Redis database: the cache (the
limits' counters, the users' snapshots, which every test clears) and the Celery broker are per worker, as
pytest-django gives each worker its own test database (``test_<name>_gw<N>``).
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default ``databases``


def worker_redis_url(url: str, worker: str) -> str:
    """``url`` with the Redis database moved by the xdist worker's number (gw0 keeps it, gw1 the next, ...)."""
    number = re.fullmatch(r"gw(\d+)", worker)
    if not url or number is None:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (base + int(number.group(1))) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))


os.environ.setdefault("SECRET_KEY", "turf-test-suite-only-secret-key-" + "x" * 40)
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"])
