"""``manage.py load_demo``: write the synthetic demo programme (source ``demo``) through the one writer."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from courses.demo import DEFAULT_START, DemoGenerator, planned_source_ids
from courses.importers.run import import_races
from courses.management.arguments import date_argument
from courses.models import Meeting, Race, RaceStatus, Source
from turf.cache import answers_invalidate


class Command(BaseCommand):
    help = (
        "Load the synthetic demo programme (every row source=demo, racecourses DEMO-…): finished races "
        "from --start to yesterday, today's and tomorrow's programme. Deterministic for a given --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--start",
            type=date_argument,
            default=DEFAULT_START,
            help=f"first day of the history, the simulation's epoch (default {DEFAULT_START})",
        )
        parser.add_argument(
            "--today",
            type=date_argument,
            default=None,
            help="the day the programme is published for (default: today in Europe/Paris)",
        )
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        seed, start = options["seed"], options["start"]
        today = options["today"] or timezone.localdate()
        try:
            generator = DemoGenerator(seed=seed, start=start, today=today)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        planned = planned_source_ids(seed=seed, start=start, today=today)
        skip = _finished_in_database(generator.fingerprint, today)
        # With DEBUG on, Django logs every query, and on SQLite logging one costs another query
        # (to quote its parameters): a third of this bulk load's time, for a log nobody reads.
        with override_settings(DEBUG=False):
            report = import_races(
                source=Source.DEMO,
                items=(race.payload for race in generator.races(skip=skip)),
                total=len(set(planned) - skip),
                progress=not options["no_progress"],
                err=self.stderr,
                description="demo",
            )
            removed = _remove_other_programmes(set(planned), start, today)
        if skip:
            self.stdout.write(f"demo: {len(skip)} finished races already in the database were skipped")
        if removed:
            self.stdout.write(f"demo: {removed} races of another demo programme (seed or start) were removed")
        self.stdout.write(report.summary())


def _finished_in_database(fingerprint: dict, today: dt.date) -> set[str]:
    """Source ids of past demo races already written finished by this same seed, start and generator.

    Their content cannot have changed (a past race never depends on the run date), so a re-run
    simulates them for the state they leave behind but does not rewrite them.
    """
    rows = Race.objects.filter(source=Source.DEMO, status=RaceStatus.FINISHED, meeting__date__lt=today).values_list(
        "source_id", "extra"
    )
    return {source_id for source_id, extra in rows if (extra or {}).get("demo") == fingerprint}


def _remove_other_programmes(planned: set[str], start: dt.date, today: dt.date) -> int:
    """Delete demo races in the range that this programme does not have (left by another seed or start).

    Otherwise a day would show two programmes at once, two quintés among them.
    """
    rows = Race.objects.filter(
        source=Source.DEMO, meeting__date__range=(start, today + dt.timedelta(days=1))
    ).values_list("id", "source_id")
    stale = [pk for pk, source_id in rows if source_id not in planned]
    with transaction.atomic():
        for offset in range(0, len(stale), 500):
            Race.objects.filter(pk__in=stale[offset : offset + 500]).delete()
        Meeting.objects.filter(source=Source.DEMO, races__isnull=True).delete()
        if stale:
            answers_invalidate()  # the API's cached answers listed them
    return len(stale)
