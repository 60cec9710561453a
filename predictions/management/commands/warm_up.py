"""First-run set-up for `make run`: a trained model and scored races, out of sample.

Its rescore follows the scoring rule (``predictions.services.scoring``): races still to come are scored with the
active version; races that have gone off are never rewritten, only backfilled where the active version has no
prediction and was trained strictly before their day. So a restart after a newer model was promoted leaves the
past race cards as they were published (or as the walk-forward rule has them), never the new model's hindsight.

Between the two, the demo's last ``TRACK_RECORD_DEMO_DAYS`` past days are published at their offs and closed into the
track record's demo chain (``predictions.services.demo_record``), so that a new install shows a working record.
"""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from predictions.models import ModelKind
from predictions.services.demo_record import track_record_demo_replay
from predictions.services.versions import model_version_active_get


class Command(BaseCommand):
    help = (
        "Unless a trained model is already active: train on the finished races older than --holdout days and "
        "promote it if it beats the active one. Then score the held-out days, today and tomorrow, so that "
        "metrics and backtests on those days are out of sample: races that have gone off are only backfilled "
        "where the active model has no prediction and was trained before their day, never rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--holdout", type=int, default=30, help="days kept out of training (default 30)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, holdout: int, no_progress: bool, **options):
        today = timezone.localdate()
        cutoff = today - dt.timedelta(days=holdout)
        quiet = ["--no-progress"] if no_progress else []
        active = model_version_active_get()
        if active is None or active.kind == ModelKind.MARKET:
            call_command("train", "--promote", "--until", cutoff.isoformat(), *quiet, stdout=self.stdout)
        else:
            self.stdout.write(f"warm_up: {active.version} is active; not retraining")
        # Before the rescore backfills the past days: the demo's past days published at their offs (scored before
        # each off, by the walk-forward version) and closed into the track record's demo chain.
        self.stdout.write(track_record_demo_replay().summary())
        call_command(
            "rescore",
            "--start",
            cutoff.isoformat(),
            "--end",
            (today + dt.timedelta(days=1)).isoformat(),
            *quiet,
            stdout=self.stdout,
        )
