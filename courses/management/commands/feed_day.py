"""``manage.py feed_day``: the morning step by hand (``courses.feed_morning``'s twin)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from courses.feeds import FeedUnavailable, feed_get
from courses.health import configured_feed
from courses.management.arguments import date_argument
from courses.schedule import feed_day


class Command(BaseCommand):
    help = (
        "Read a day's programme from the live feed (TURF_FEED, or --feed) and plan its scheduled checks: by "
        "default today and tomorrow, as the schedule does every morning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date_argument, action="append", help="a day to read (repeatable)")
        parser.add_argument("--feed", choices=["demo", "pmu"], help="the feed to read (default: TURF_FEED)")

    def handle(self, *args, **options):
        name = options["feed"]
        if name is None and configured_feed() is None:
            self.stdout.write("feed_day: TURF_FEED is off: no live feed, nothing scheduled")
            return
        feed = feed_get(name)
        today = timezone.localdate()
        failed = []
        for date in options["date"] or [today, today + dt.timedelta(days=1)]:
            try:
                fed, planned = feed_day(date=date, feed=feed)
            except FeedUnavailable as exc:
                self.stderr.write(f"{date}: {feed.source} unavailable: {exc}")
                failed.append(str(date))
                continue
            for rejected in fed.rejected:
                self.stderr.write(f"rejected {rejected.location}: {rejected.reason}")
            self.stdout.write(f"{date}: {fed.summary()}; {planned.summary()}")
        if failed:
            raise CommandError(f"the {feed.source} feed could not be read for {', '.join(failed)}")
