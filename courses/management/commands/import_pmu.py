"""``manage.py import_pmu PATH``: PMU turfinfo JSON (a programme, or a folder with participants and rapports)."""

from __future__ import annotations

from pathlib import Path

from courses.importers.pmu_json import scan
from courses.importers.run import ImportCommand
from courses.models import Source


class Command(ImportCommand):
    help = (
        "Import PMU turfinfo JSON: a programme file (every race of the day), or a folder searched "
        "recursively whose participants and rapports files are matched to their programme's races. "
        "Performances-détaillées files (the runners' past races) are recognised and skipped."
    )
    source = Source.PMU
    path_help = "a programme JSON file, or a folder of programme / participants / rapports JSON files"

    def parse(self, path: str, options):
        found = scan(Path(path))
        for note in found.notes:
            self.stderr.write(note)
        return found.items(), found.total
