"""Drive a parser through the writer: progress bar, rejects reported, one summary line."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from turf.locks import held

from ..signals import results_written
from .payloads import RacePayload, Rejected, RejectRace
from .writer import RaceWriter

logger = logging.getLogger("turf.import")

# Races are written in batches of savepoints inside one transaction: one commit per batch
# instead of one per race, while a bad race still rolls back alone.
BATCH = 250


@dataclass
class ImportReport:
    source: str
    writer_counts: object = None
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def races(self):
        return self.writer_counts.races

    def summary(self) -> str:
        races, runners = self.writer_counts.races, self.writer_counts.runners
        return (
            f"{self.source}: races created={races['created']} updated={races['updated']} "
            f"unchanged={races['unchanged']} rejected={len(self.rejected)}; "
            f"runners created={runners['created']} updated={runners['updated']} deleted={runners['deleted']}; "
            f"horses created={self.writer_counts.horses_created}; "
            f"rapports written={self.writer_counts.dividends['created']}"
        )


IMPORT_LOCK = "courses.import"


def import_races(
    *,
    source: str,
    items: Iterable[RacePayload | Rejected],
    total: int | None = None,
    progress: bool = True,
    err: TextIO | None = None,
    description: str = "",
) -> ImportReport:
    """Write every race the parser yields; a rejected race is reported and the rest goes on."""
    # One import at a time, the next waiting its turn: the writer knows the rows of the imports before it (its
    # caches are read when it starts), so the same import run twice at once leaves the rows of one run, never a
    # duplicate horse or a batch refused on the other's rows.
    with held(IMPORT_LOCK, wait=True):
        return _import(source=source, items=items, total=total, progress=progress, err=err, description=description)


def _import(*, source, items, total, progress, err, description) -> ImportReport:
    writer = RaceWriter(source)
    report = ImportReport(source=source, writer_counts=writer.counts)
    bar = tqdm(total=total, desc=description or source, unit="race", disable=not progress, mininterval=0.5)
    iterator = iter(items)
    try:
        while True:
            batch_done = False
            with transaction.atomic():
                for _ in range(BATCH):
                    item = next(iterator, None)
                    if item is None:
                        batch_done = True
                        break
                    bar.update(1)
                    if isinstance(item, Rejected):
                        _reject(report, item, err)
                        continue
                    try:
                        writer.write(item)
                    except RejectRace as exc:
                        _reject(report, Rejected(location=item.location, reason=str(exc)), err)
            if batch_done:
                break
    finally:
        bar.close()
    if report.races["created"] or report.races["updated"]:
        _results_arrived(source)
    return report


def _results_arrived(source: str) -> None:
    """Announce that races of ``source`` were written (the listeners, e.g. the settling of bets, queue their own
    work); a listener that fails must not fail an import that has committed."""
    for receiver, error in results_written.send_robust(sender=RaceWriter, source=source):
        if isinstance(error, Exception):
            logger.warning("results_written: %s failed: %s", receiver, error, exc_info=error)


def _reject(report: ImportReport, rejected: Rejected, err: TextIO | None) -> None:
    report.rejected.append(rejected)
    if err is not None:
        err.write(f"rejected {rejected.location}: {rejected.reason}\n")


class ImportCommand(BaseCommand):
    """Base of the import_* commands: a path argument, a progress bar and a summary line."""

    source = ""
    path_help = "file or folder to import"

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.path_help)
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")
        parser.add_argument(
            "--fail-on-reject", action="store_true", help="exit with status 1 when any race was rejected"
        )

    def parse(self, path: str, options) -> tuple[Iterable[RacePayload | Rejected], int | None]:
        """Return the races to write and how many there are (None when unknown)."""
        raise NotImplementedError

    def handle(self, *args, **options):
        try:
            items, total = self.parse(options["path"], options)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise CommandError(f"cannot read {options['path']}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CommandError(f"{options['path']}: {exc}") from None
        try:
            report = import_races(
                source=self.source,
                items=items,
                total=total,
                progress=not options["no_progress"],
                err=self.stderr,
            )
        except ValueError as exc:  # a file-level defect found while streaming (bad header, encoding)
            raise CommandError(f"{options['path']}: {exc}") from None
        self.stdout.write(report.summary())
        if report.rejected and options["fail_on_reject"]:
            raise CommandError(f"{len(report.rejected)} race(s) rejected")
        return None
