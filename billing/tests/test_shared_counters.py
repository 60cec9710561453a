"""With REDIS_URL set, request counters are shared by every process (web workers, Celery)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from billing import counters

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI sets it)")


def test_a_hit_in_another_process_counts_here():
    key = f"rl:test-shared:{os.getpid()}"
    counters.hit(key, 60)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'turf.settings'); django.setup(); "
        f"from billing import counters; counters.hit({key!r}, 60); counters.hit({key!r}, 60)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=settings.BASE_DIR, env=os.environ.copy())
    assert counters.peek(key) == 3
