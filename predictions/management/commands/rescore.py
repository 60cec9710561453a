"""Recompute the active (or a named) model version's predictions for a day or a window of days."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses.models import Meeting
from predictions.management.options import option_date, option_model_version
from predictions.services.scoring import UnscorableVersion, predictions_score_report

# Race days per call: each call is one transaction and a fixed handful of queries.
DAYS_PER_CALL = 14


class Command(BaseCommand):
    help = (
        "Score every race of a day (--date) or a window (--start, --end) with the active model version. Races "
        "that have gone off are never rewritten: they are only backfilled where the version has no prediction "
        "and may vouch for the race (trained strictly before its day, or the market); the others are counted "
        "as gone_off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one day, YYYY-MM-DD")
        parser.add_argument("--start", help="first day of the window, YYYY-MM-DD")
        parser.add_argument("--end", help="last day of the window, YYYY-MM-DD")
        parser.add_argument("--model", help="model version to score with (default: the active one)")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def _window(self, options) -> tuple[dt.date, dt.date]:
        day = option_date(options["date"], "--date") if options["date"] else None
        start = option_date(options["start"], "--start") if options["start"] else None
        end = option_date(options["end"], "--end") if options["end"] else None
        if day is not None:
            if start or end:
                raise CommandError("give either --date or --start and --end, not both")
            return day, day
        if start is None or end is None:
            raise CommandError("give --date, or both --start and --end")
        if end < start:
            raise CommandError(f"--end {end} is before --start {start}")
        return start, end

    def handle(self, *args, **options):
        start, end = self._window(options)
        version = option_model_version(options["model"])

        days = list(
            Meeting.objects.filter(date__range=(start, end)).order_by("date").values_list("date", flat=True).distinct()
        )
        totals = {
            "races": 0,
            "scored": 0,
            "unpriced": 0,
            "predictions": 0,
            "removed": 0,
            "gone_off": 0,
            "backfilled": 0,
        }
        bar = tqdm(total=len(days), desc=f"rescore {version.version}", unit="day", disable=options["no_progress"])
        try:
            for first in range(0, len(days), DAYS_PER_CALL):
                chunk = days[first : first + DAYS_PER_CALL]
                # The first call reaches back to ``start`` and the last to ``end`` so that no day of
                # the window is skipped when stale predictions are cleared.
                window_start = start if first == 0 else chunk[0]
                window_end = end if first + DAYS_PER_CALL >= len(days) else chunk[-1]
                try:
                    report = predictions_score_report(start=window_start, end=window_end, model_version=version)
                except (NotImplementedError, UnscorableVersion) as exc:
                    raise CommandError(str(exc)) from None
                totals["races"] += report.races
                totals["scored"] += report.races_scored
                totals["unpriced"] += report.races_unpriced
                totals["predictions"] += report.predictions
                totals["removed"] += report.removed
                totals["gone_off"] += report.races_gone_off
                totals["backfilled"] += report.races_backfilled
                bar.update(len(chunk))
        finally:
            bar.close()
        self.stdout.write(
            f"rescore {version.version} {start}..{end}: days={len(days)} races={totals['races']} "
            f"scored={totals['scored']} unpriced={totals['unpriced']} predictions={totals['predictions']} "
            f"removed={totals['removed']} backfilled={totals['backfilled']} gone_off={totals['gone_off']}"
        )
