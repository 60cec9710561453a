"""Train a candidate model version on the finished races before a date; optionally promote it."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses.models import Source
from predictions.management.options import in_training_turn, option_date
from predictions.models import ModelKind
from predictions.services.registry import TRAINING_STEPS, model_promote, model_train
from predictions.services.training import TrainingError
from turf.models import ActorKind


class Command(BaseCommand):
    help = (
        "Train a race model (XGBoost + conditional-logit calibration, combined with the market) on the finished "
        "races dated before --until, store it as a candidate version and, with --promote, activate it if it is at "
        "least as good as the active version on its validation races. A training on the active version's own input "
        "(same races, results, code and parameters) is stored as a rerun, promoted only if strictly better."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", help="train on races dated before this day, YYYY-MM-DD (default: all)")
        parser.add_argument("--source", choices=Source.values, help="train on one source only (default: all)")
        parser.add_argument("--kind", choices=[ModelKind.COMBINED, ModelKind.FUNDAMENTAL], default=ModelKind.COMBINED)
        parser.add_argument("--promote", action="store_true", help="activate it if it is at least as good")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        until = option_date(options["until"], "--until") if options["until"] else None
        if options["promote"]:
            return in_training_turn("train", self.stderr, lambda: self._train(until, options))
        return self._train(until, options)

    def _train(self, until, options) -> None:
        steps = TRAINING_STEPS + (1 if options["promote"] else 0)
        bar = tqdm(total=steps, desc="train", unit="step", disable=options["no_progress"])
        try:

            def progress(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                version = model_train(until=until, source=options["source"], kind=options["kind"], progress=progress)
            except TrainingError as exc:
                raise CommandError(str(exc)) from None
            promoted = None
            if options["promote"]:
                promoted = model_promote(candidate=version, actor_kind=ActorKind.COMMAND)
                progress("promotion")
        finally:
            bar.close()
        validation = version.metrics["validation"]
        priced = validation["priced_races"]
        summary = {
            "version": version.version,
            "kind": version.kind,
            "trained": [str(version.trained_from), str(version.trained_until)],
            "races": version.races_used,
            "runners": version.runners_used,
            "fingerprint": version.fingerprint,
            "rerun": version.rerun,
            "validation": {
                "start": validation["start"],
                "end": validation["end"],
                "races": validation["races"],
                "priced_races": priced["market"]["races"],
                **{name: priced[name]["log_loss"] for name in ("combined", "fundamental", "market")},
            },
            "calibration": {k: v for k, v in version.params["calibration"].items() if k != "standard_errors"},
        }
        if promoted is not None:
            summary["promoted"] = promoted
            summary["promotion"] = version.metrics.get("promotion")
        self.stdout.write(json.dumps(summary, indent=2, default=str))
