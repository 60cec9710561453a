"""``manage.py fetch_pmu --date D`` (or ``--start D --end D``): the live feed's programme step by hand."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from courses.feeds.pmu import ArchiveClient, PmuFeed
from courses.feeds.report import FeedReport, FeedUnavailable
from courses.models import Source


def day(value: str) -> dt.date:
    """A day as YYYY-MM-DD, or today / tomorrow (the local date)."""
    today = timezone.localdate()
    named = {"today": today, "tomorrow": today + dt.timedelta(days=1), "yesterday": today - dt.timedelta(days=1)}
    if value.lower() in named:
        return named[value.lower()]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a day: write YYYY-MM-DD (or today, tomorrow)") from None


class Command(BaseCommand):
    help = (
        "Fetch PMU's programme of a day (or of each day from --start to --end) from its JSON API (PMU_API_URL): "
        "every race, its participants and odds, the rapports définitifs already published; written through "
        "the PMU importer, every response archived. The same step the schedule runs each morning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (or today, tomorrow)")
        parser.add_argument("--start", help="first day of a backfill, YYYY-MM-DD")
        parser.add_argument("--end", help="last day of a backfill (included), YYYY-MM-DD")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")
        parser.add_argument(
            "--performances",
            action="store_true",
            help="also archive each race's performances détaillées (the runners' past races; not imported)",
        )
        parser.add_argument(
            "--from-archive",
            action="store_true",
            help="no request: write the day again from PMU's answers archived when it was fetched (after a parser fix)",
        )

    def handle(self, *args, **options):
        days = self._days(options)
        feed = PmuFeed(ArchiveClient() if options["from_archive"] else None)
        total = FeedReport(source=Source.PMU)
        for done, current in enumerate(days):
            try:
                report = feed.programme(
                    date=current, progress=not options["no_progress"], performances=options["performances"]
                )
            except FeedUnavailable as exc:
                kept = f"; the {done} day(s) before it are written" if done else "; nothing was written"
                raise CommandError(f"{current:%Y-%m-%d}: the PMU feed is unavailable: {exc}{kept}") from None
            for rejected in report.rejected:
                self.stderr.write(f"rejected {rejected.location}: {rejected.reason}")
            self.stdout.write(f"{current:%Y-%m-%d} {report.summary()}")
            total.merge(report)
        if len(days) > 1:
            self.stdout.write(f"total, {len(days)} days: {total.summary()}")

    def _days(self, options) -> list[dt.date]:
        if options["date"] and (options["start"] or options["end"]):
            raise CommandError("give either --date, or --start and --end")
        if options["date"]:
            return [day(options["date"])]
        if not (options["start"] and options["end"]):
            raise CommandError("give --date D, or --start D and --end D for a backfill")
        start, end = day(options["start"]), day(options["end"])
        if end < start:
            raise CommandError(f"--end {end} is before --start {start}")
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
