"""``manage.py import_hkjc DIR``: the HKJC Kaggle races.csv + runs.csv.gz folder."""

from __future__ import annotations

from courses.importers.hkjc import parse_folder
from courses.importers.run import ImportCommand
from courses.models import Source


class Command(ImportCommand):
    help = "Import Hong Kong races, runners and win/place dividends from the Kaggle HKJC data set."
    source = Source.HKJC
    path_help = "folder holding races.csv and runs.csv.gz (or runs.csv)"

    def parse(self, path: str, options):
        return parse_folder(path)
