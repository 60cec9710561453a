"""``manage.py track_record_demo``: the demo's past days published at their offs and closed into the demo chain (what
``warm_up`` does before its rescore, see ``predictions.services.demo_record``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from predictions.services.demo_record import track_record_demo_replay


class Command(BaseCommand):
    help = (
        "Publish the synthetic demo's last --days past days at their offs, as their live day would have (the "
        "walk-forward version, scored before each off, frozen at it), and close them into the track record's demo "
        "chain. Days already closed are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="past days (default TRACK_RECORD_DEMO_DAYS)")

    def handle(self, *args, days: int | None, **options):
        report = track_record_demo_replay(days=days)
        self.stdout.write(report.summary())
        for day, reason in sorted(report.not_closed.items()):
            self.stdout.write(f"  {day} not closed: {reason}")
