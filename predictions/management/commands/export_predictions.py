"""Write a model version's stored predictions for a window of race days to a CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from predictions.csv_export import neutralise
from predictions.exports import prediction_export_queryset, prediction_export_rows
from predictions.management.options import option_model_version, option_window

COLUMNS = (
    "source",
    "source_race_id",
    "date",
    "race",
    "saddle_number",
    "source_horse_id",
    "win_probability",
    "place_probability",
    "market_probability",
    "odds",
    "model_version",
)


class Command(BaseCommand):
    help = "Export the active (or a named) version's predictions for the races dated --start..--end to --out (CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="the CSV file to write")
        parser.add_argument("--model", help="model version (default: the active one)")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        start, end = option_window(options["start"], options["end"])
        version = option_model_version(options["model"])
        # Every stored prediction, cancelled races included, as this command has always written them.
        total = prediction_export_queryset(model_version=version, start=start, end=end, cancelled=True).count()
        rows = prediction_export_rows(start=start, end=end, model_version=version, cancelled=True)
        path = Path(options["out"])
        try:
            handle = path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        written = 0
        with handle, tqdm(total=total, desc="export", unit="row", disable=options["no_progress"]) as bar:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for source, race_id, day, race, _, saddle, horse, _, win, place, market, _, odds, model in rows:
                # Race and horse ids come from the feeds: a cell that starts like a formula is quoted.
                writer.writerow(
                    [
                        neutralise(value)
                        for value in (
                            source,
                            race_id,
                            day,
                            race,
                            saddle,
                            horse,
                            f"{win:.6f}",
                            f"{place:.6f}",
                            "" if market is None else f"{market:.6f}",
                            "" if odds is None else str(odds),
                            model,
                        )
                    ]
                )
                written += 1
                bar.update(1)
        self.stdout.write(f"export_predictions {version.version} {start}..{end}: rows={written} -> {path}")
