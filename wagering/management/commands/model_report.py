"""Regenerate docs/MODEL.md: the walk-forward evaluation on the real data sets."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from wagering.services.evaluation import DATASETS, model_report


class Command(BaseCommand):
    help = (
        "Run the time-ordered walk-forward evaluation (market baseline, fundamental and combined models) on the "
        "Hong Kong, PMU trot CSV and Betfair UK/IE data, importing a data set first if the database has none of "
        "its races, and write docs/MODEL.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "MODEL.md"), help="the file")
        parser.add_argument("--dataset", action="append", choices=list(DATASETS), help="only these (repeatable)")
        parser.add_argument("--skip-import", action="store_true", help="use what the database has; import nothing")
        parser.add_argument("--data-dir", help="the raw data folder (default: settings.TURF_DATA_DIR)")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        keys = options["dataset"] or list(DATASETS)
        # One tick per refit and per data set check: 4 + 2 + 3 refits for the three data sets.
        bar = tqdm(total=None, desc="model_report", unit="step", disable=options["no_progress"])
        try:

            def progress(message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(1)

            _text, results = model_report(
                out=Path(options["out"]),
                datasets=keys,
                import_missing=not options["skip_import"],
                data_dir=Path(options["data_dir"]) if options["data_dir"] else None,
                progress=progress,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        finally:
            bar.close()
        for result, metrics in results:
            models = metrics["models"]
            self.stdout.write(
                f"{result.dataset.key}: races={metrics['races']} market={models['market']['log_loss']:.4f} "
                f"fundamental={models['fundamental']['log_loss']:.4f} combined={models['combined']['log_loss']:.4f}"
            )
        self.stdout.write(f"wrote {options['out']}")
