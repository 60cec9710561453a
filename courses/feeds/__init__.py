"""The live feeds: what the day's schedule (``courses.schedule``) and ``manage.py fetch_pmu`` read.

A feed has two steps, the same by hand and on the schedule:

- ``programme(date=...)``: the day's programme and every race's participants (odds, non-partants), the
  rapports of races already run;
- ``race(race=..., results=...)``: one race again: its odds and non-partants, and with ``results`` its
  arrival and rapports définitifs.

Both write through the one writer and return a ``FeedReport``; ``announce`` tells the apps above (rescoring,
settlement) what changed. ``feed_get()`` is the feed the ``TURF_FEED`` setting names: ``pmu`` (PMU's JSON
API, ``courses.feeds.pmu``) or ``demo`` (the synthetic programme living its day, ``courses.feeds.demo``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .report import FeedReport, FeedUnavailable, announce

FEEDS = {"pmu": "courses.feeds.pmu.PmuFeed", "demo": "courses.feeds.demo.DemoFeed"}


def feed_get(name: str | None = None):
    """The feed called ``name`` (default: the ``TURF_FEED`` setting); ValueError for ``off`` or an unknown one."""
    name = (name or settings.TURF_FEED).lower()
    if name not in FEEDS:
        raise ValueError(f"no live feed {name!r} (TURF_FEED is {settings.TURF_FEED!r}; feeds: {', '.join(FEEDS)})")
    return import_string(FEEDS[name])()


__all__ = ["FEEDS", "FeedReport", "FeedUnavailable", "announce", "feed_get"]
