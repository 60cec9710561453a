"""Run the nightly chain by hand: what ``predictions.nightly`` queues every night, without a broker."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from predictions.management.options import in_training_turn, option_date
from predictions.services.registry import TRAINING_STEPS, model_retrain
from predictions.services.scoring import UnscorableVersion, coming_days, predictions_score_report
from predictions.services.training import TrainingError
from turf.models import ActorKind

# The training's steps, the promotion, the rescoring.
NIGHTLY_STEPS = TRAINING_STEPS + 2


class Command(BaseCommand):
    help = (
        "Run the nightly chain now, in this process, for the day --until (default today): retrain on every finished "
        "race before it and promote the candidate if it is at least as good as the active version (nothing is "
        "trained when no race or result changed since the active version's training), then score that day's and "
        "the next day's races with the active version. Waits for a retrain already running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--until", help="train on races dated before this day and score it and the next, YYYY-MM-DD (default today)"
        )
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        until = option_date(options["until"], "--until") if options["until"] else timezone.localdate()
        bar = tqdm(total=NIGHTLY_STEPS, desc="nightly", unit="step", disable=options["no_progress"])
        try:

            def progress(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            def retrain() -> dict:
                return model_retrain(until=until, progress=progress, actor_kind=ActorKind.COMMAND)

            try:
                outcome = in_training_turn("nightly", self.stderr, retrain)
            except TrainingError as exc:
                raise CommandError(str(exc)) from None
            bar.update(TRAINING_STEPS - bar.n)  # a rerun skipped the training's steps
            progress("promotion")
            start, end = coming_days(until)
            try:
                report = predictions_score_report(start=start, end=end)
            except UnscorableVersion as exc:
                raise CommandError(str(exc)) from None
            progress("rescore")
        finally:
            bar.close()
        summary = {
            "retrain": outcome,
            "rescore": {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "model_version": report.model_version,
                "races": report.races,
                "predictions": report.predictions,
            },
        }
        self.stdout.write(json.dumps(summary, indent=2))
