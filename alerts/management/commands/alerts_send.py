"""``manage.py alerts_send``: the alerts' tasks without a broker: fan out every event not fanned out yet, then mail
every pending batch older than ``TURF_ALERT_MAIL_DELAY`` (``--now``: every pending batch)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.models import Event
from alerts.services.fanout import event_fan_out, mail_batches_due


class Command(BaseCommand):
    help = "Fan out the events not fanned out yet, and mail the pending batches whose delay has passed."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="mail every pending batch, whatever its age")

    def handle(self, *args, **options):
        told = 0
        events = list(
            Event.objects.filter(fanned_out_at__isnull=True).order_by("created_at").values_list("pk", flat=True)
        )
        for event_id in events:
            told += event_fan_out(event_id=event_id).followers
        # --now: as if the delay had passed for every pending batch.
        later = timezone.now() + dt.timedelta(seconds=settings.TURF_ALERT_MAIL_DELAY) if options["now"] else None
        mailed = mail_batches_due(now=later)
        self.stdout.write(f"alerts: {len(events)} events fanned out to {told} followers; {mailed} mails sent")
