"""Turf's settings, unchanged but for the URLs: the floor view beside the whole site (``bench/load.py``)."""

from turf.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_site.urls"
