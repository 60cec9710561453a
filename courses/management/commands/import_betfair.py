"""``manage.py import_betfair PATH``: Betfair Data Scientists CSVs (ANZ thoroughbreds, UK/IE model).

A folder may mix both formats. Each file's header decides its format and so its source, and
each source is written in its own pass with its own summary line: the base class's single
``source`` cannot carry two.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from courses.importers import betfair
from courses.importers.run import ImportCommand, import_races


class Command(ImportCommand):
    help = (
        "Import Betfair Data Scientists CSV files: ANZ thoroughbred markets (source betfair_anz) and the "
        "UK & Ireland model files (source betfair_uk_ie). Non-runners are dropped; the winners get position 1."
    )
    path_help = "a Betfair CSV file, or a folder of them (ANZ and UK/IE files may be mixed)"

    def handle(self, *args, **options):
        path = options["path"]
        try:
            found = betfair.scan(Path(path))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from None
        rejected = 0
        for kind in found.kinds():
            source = betfair.SOURCES[kind]
            dropped = betfair.Dropped()
            try:
                report = import_races(
                    source=source,
                    items=found.items(kind, dropped),
                    total=found.total(kind),
                    progress=not options["no_progress"],
                    err=self.stderr,
                )
            except ValueError as exc:  # a file-level defect found while streaming
                raise CommandError(f"{path}: {exc}") from None
            self.stdout.write(report.summary())
            self.stdout.write(dropped.summary(source))
            rejected += len(report.rejected)
        if rejected and options["fail_on_reject"]:
            raise CommandError(f"{rejected} race(s) rejected")
