"""``manage.py import_pmu_csv FILE``: the flat PMU trot attelé CSV (finishers only, Aug–Nov 2025)."""

from __future__ import annotations

from courses.importers.pmu_csv import parse_file
from courses.importers.run import ImportCommand
from courses.models import Source


class Command(ImportCommand):
    help = (
        "Import the PMU trot attelé CSV (dataset_trot_attele.csv): one row per finishing runner, with "
        "morning odds and the official rank. Saddle numbers are assigned by horse id (the file has none)."
    )
    source = Source.PMU_CSV
    path_help = "the dataset_trot_attele.csv file"

    def parse(self, path: str, options):
        return parse_file(path)
