"""``manage.py feed_tick``: run the due scheduled checks (``courses.feed_tick``'s twin); ``--loop`` every minute."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from courses.schedule import programme_catch_up, run_due_checks


class Command(BaseCommand):
    help = (
        "Run the scheduled checks of the live feed that are due (and read the day's programme when the morning "
        "step could not); with --loop, again every --every seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running (a clock without Celery beat)")
        parser.add_argument("--every", type=int, default=60, help="seconds between two ticks with --loop")

    def handle(self, *args, **options):
        while True:
            started = time.monotonic()
            for line in programme_catch_up():
                self.stdout.write(f"programme {line}")
            report = run_due_checks()
            for line in report.outcomes:
                self.stdout.write(line)
            self.stdout.write(report.summary())
            if not options["loop"]:
                return
            time.sleep(max(1.0, options["every"] - (time.monotonic() - started)))
