"""Metrics of a model version against the market baseline on the same finished races, as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from tqdm import tqdm

from courses.models import Source
from predictions.management.options import option_model_version, option_window
from wagering.services.evaluation import model_evaluate
from wagering.services.value import VALUE_BET_EDGE as EDGE
from wagering.services.value import VALUE_BET_MIN_ODDS as MIN_ODDS


class Command(BaseCommand):
    help = (
        "Evaluate the active (or a named) model version on the finished races dated --start..--end: race log "
        "loss, pseudo-R², Brier, top-1 and value-bet ROI, beside the market baseline's on the same races (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--source", choices=Source.values, help="only this source's races")
        parser.add_argument("--model", help="model version (default: the active one)")
        parser.add_argument("--edge", type=float, default=EDGE, help=f"value-bet edge (default {EDGE})")
        parser.add_argument("--min-odds", type=float, default=MIN_ODDS, help=f"value-bet minimum odds ({MIN_ODDS})")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        start, end = option_window(options["start"], options["end"])
        version = option_model_version(options["model"])
        with tqdm(total=1, desc=f"evaluate {version.version}", unit="window", disable=options["no_progress"]) as bar:
            result = model_evaluate(
                model_version=version,
                start=start,
                end=end,
                source=options["source"],
                edge=options["edge"],
                min_odds=options["min_odds"],
            )
            bar.update(1)
        self.stdout.write(json.dumps(result, indent=2, default=str))
