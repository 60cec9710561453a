"""Recompute the public track record's hash chain from its stored lines; exit status 1 at the first day that does not
match."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from predictions.models import RecordChain, TrackRecordDay
from predictions.services.track_record import track_record_verify


class Command(BaseCommand):
    help = (
        "Recompute every closed day of the track record (lines hash, day hash, link to the day before) and report "
        "the first day that does not match, or the chain's head."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=RecordChain.values, default=RecordChain.REAL)
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, chain: str, no_progress: bool, **options):
        total = TrackRecordDay.objects.filter(chain=chain).count()
        started = time.perf_counter()
        with tqdm(total=total, unit="day", desc=f"verify {chain}", disable=no_progress, file=self.stderr) as bar:
            result = track_record_verify(chain=chain, progress=lambda: bar.update(1))
        seconds = time.perf_counter() - started
        if not result.ok:
            raise CommandError(f"{chain}: day {result.first_bad} does not match: {result.problem}")
        self.stdout.write(f"{chain}: {result.days} days verified in {seconds:.2f} s, chain head {result.head}")
