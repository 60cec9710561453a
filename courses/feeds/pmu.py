"""The live PMU feed: a day's programme, a race's odds and results, read from PMU's JSON API and written
through the PMU JSON importer and the one writer.

``PmuFeed().programme(date=...)`` reads the day's programme, every race's participants (runners, odds,
non-partants) and the rapports définitifs of the races PMU says are published; ``PmuFeed().race(race=...,
results=...)`` reads one race again: its participants, and with ``results`` the (fresh) programme for its
status and arrival and its rapports définitifs. Both fetch everything first (each answer archived by
``PmuClient``), then write in one ``import_races`` run: a response that is not what it should be rejects its
race only (reported, previous state kept), a source that cannot be read raises ``FeedUnavailable`` and
nothing is written. After the write, moved odds become snapshots and ``announce`` tells the apps above.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from tqdm import tqdm

from ..importers.payloads import RacePayload, Rejected, RejectRace
from ..importers.pmu_json import build_race, classify
from ..importers.pmu_json.programme import PARTICIPANTS, PROGRAMME, RAPPORTS, Course, PmuFile, programme_courses
from ..importers.run import import_races
from ..models import FeedSource, Race, RaceStatus, Source, race_code
from .odds import OddsRead, field_changes, field_state, odds_snapshot_write, odds_stamps
from .pmu_client import ArchiveClient, Fetched, MalformedResponse, PmuClient
from .report import FeedReport, FeedUnavailable, announce

__all__ = ["ArchiveClient", "PmuClient", "PmuFeed"]


@dataclass
class _Read:
    """What the feed fetched for one race, before it is built and written."""

    course: Course
    rejected: Rejected | None = None
    odds: OddsRead | None = None

    @property
    def code(self) -> str:
        return race_code(self.course.meeting, self.course.number)


class PmuFeed:
    """PMU's turfinfo JSON API as a live feed (``TURF_FEED=pmu``)."""

    source = Source.PMU

    def __init__(self, client: PmuClient | None = None):
        self.client = client or PmuClient()

    # -- the two steps ------------------------------------------------------------------------------------

    def programme(self, *, date: dt.date, progress: bool = False, performances: bool = False) -> FeedReport:
        """The day's programme with every race's participants and the published rapports définitifs, written;
        ``performances`` also archives each race's performances détaillées (not imported)."""
        report = FeedReport(source=self.source)
        reads = self._fetch(report, lambda: self._programme_reads(report, date, progress, performances))
        return self._commit(report, reads, reason="programme")

    def race(self, *, race: Race, results: bool) -> FeedReport:
        """One race again: its participants (odds, non-partants); with ``results`` also the programme (reused
        from the archive when younger than ``FEED_RESULTS_EVERY_MINUTES``) and the rapports définitifs."""
        report = FeedReport(source=self.source)
        reads = self._fetch(report, lambda: self._race_reads(report, race, results))
        return self._commit(report, reads, reason="odds")

    # -- fetching -----------------------------------------------------------------------------------------

    def _fetch(self, report: FeedReport, fetch) -> list[_Read]:
        """Run a step's requests; a source that cannot be read is recorded on ``FeedSource`` and re-raised."""
        before = self.client.requests
        try:
            return fetch()
        except FeedUnavailable as exc:
            if self.client.live:
                FeedSource.objects.update_or_create(
                    name=self.source, defaults={"last_error_at": timezone.now(), "last_error": str(exc)[:300]}
                )
            raise
        finally:
            report.requests += self.client.requests - before

    def _programme_reads(self, report: FeedReport, date: dt.date, progress: bool, performances: bool):
        courses = self._courses(report, date, max_age=dt.timedelta(0)) or []
        reads = []
        with tqdm(courses, desc=f"PMU {date:%Y-%m-%d}", unit="race", disable=not progress, mininterval=0.5) as bar:
            for course in bar:
                read = _Read(course)
                reads.append(read)
                if course.meeting is None or course.number is None:
                    continue  # build_race rejects it with the reason
                self._participants(report, read, date)
                if read.rejected is None and course.course.get("rapportsDefinitifsDisponibles"):
                    self._rapports(report, read, date)
                if performances:
                    self.client.performances(date=date, meeting=course.meeting, number=course.number)
        return reads

    def _race_reads(self, report: FeedReport, race: Race, results: bool) -> list[_Read]:
        date, meeting, number = race.meeting.date, race.meeting.number, race.number
        # An odds check needs the programme only for the race's fixed fields: any archived copy will do.
        max_age = dt.timedelta(minutes=settings.FEED_RESULTS_EVERY_MINUTES) if results else None
        courses = self._courses(report, date, max_age=max_age)
        if courses is None:
            return []
        mine = [c for c in courses if (c.meeting, c.number) == (meeting, number)]
        if not mine:
            where = f"PMU {date:%Y-%m-%d} {race_code(meeting, number)}"
            report.rejected.append(Rejected(where, "not in PMU's programme of that day"))
            return []
        read = _Read(mine[0])
        self._participants(report, read, date)
        if results and read.rejected is None:
            self._rapports(report, read, date)
        return [read]

    def _courses(self, report: FeedReport, date: dt.date, *, max_age: dt.timedelta | None) -> list[Course] | None:
        """The programme's courses; None when PMU has no programme for the day yet. A programme that cannot be
        read leaves no race to write: the source is unavailable."""
        fetched = self.client.programme(date=date, max_age=max_age)
        if fetched is None:
            report.not_published.append(f"programme {date:%d/%m/%Y}")
            return None
        try:
            data = fetched.json()
        except MalformedResponse as exc:
            raise FeedUnavailable(f"PMU programme of {date:%d/%m/%Y}: {exc}") from None
        if classify(data) != PROGRAMME:
            fetched.mark_malformed("not a PMU programme (no programme.reunions list)")
            raise FeedUnavailable(f"PMU programme of {date:%d/%m/%Y}: not a PMU programme ({fetched.url})")
        try:
            file = PmuFile(Path(f"programme {date:%d%m%Y}"), PROGRAMME, data)
            return list(programme_courses(file, f"PMU {date:%Y-%m-%d}"))
        except ValueError as exc:
            fetched.mark_malformed(str(exc))
            raise FeedUnavailable(f"PMU programme of {date:%d/%m/%Y}: {exc}") from None

    def _participants(self, report: FeedReport, read: _Read, date: dt.date) -> None:
        course = read.course
        fetched = self.client.participants(date=date, meeting=course.meeting, number=course.number)
        data = self._attach(report, read, PARTICIPANTS, fetched)
        if data is not None:
            read.odds = OddsRead(fetched_at=fetched.fetched_at, stamps=odds_stamps(data))

    def _rapports(self, report: FeedReport, read: _Read, date: dt.date) -> None:
        course = read.course
        fetched = self.client.rapports(date=date, meeting=course.meeting, number=course.number)
        self._attach(report, read, RAPPORTS, fetched)

    def _attach(self, report: FeedReport, read: _Read, kind: str, fetched: Fetched | None):
        """Give the race a participants or rapports response; an empty one is "not published yet", one of the
        wrong shape rejects the race. Returns the data attached, if any."""
        if fetched is None:
            report.not_published.append(f"{read.code} {kind}")
            return None
        try:
            data = fetched.json()
        except MalformedResponse as exc:
            read.rejected = Rejected(read.course.location, f"{kind} response {exc}")
            return None
        if classify(data) != kind:
            if data in ([], {}) or (isinstance(data, dict) and data.get(kind) == []):
                report.not_published.append(f"{read.code} {kind}")
                return None
            error = f"not a PMU {kind} response"
            fetched.mark_malformed(error)
            read.rejected = Rejected(read.course.location, f"{kind} response {error}")
            return None
        setattr(read.course, kind, PmuFile(Path(f"{read.code} {kind}"), kind, data))
        return data

    # -- writing ------------------------------------------------------------------------------------------

    def _commit(self, report: FeedReport, reads: list[_Read], *, reason: str) -> FeedReport:
        """Write the races read, record the odds that moved, announce what changed."""
        items: list[RacePayload | Rejected] = []
        built: dict[str, tuple[RacePayload, OddsRead | None]] = {}
        for read in reads:
            item = read.rejected or _build(read.course)
            items.append(item)
            if isinstance(item, RacePayload):
                built[item.source_id] = (item, read.odds)
        known = dict(Race.objects.filter(source=self.source, source_id__in=built).values_list("source_id", "pk"))
        before = field_state(known.values())
        if items:
            imported = import_races(source=self.source, items=items, total=len(items), progress=False)
            report.races_created += imported.races["created"]
            report.races_updated += imported.races["updated"]
            report.races_unchanged += imported.races["unchanged"]
            report.rejected.extend(imported.rejected)
        refused = {rejected.location for rejected in report.rejected}
        written = {sid: payload for sid, (payload, _) in built.items() if payload.location not in refused}
        ids = dict(Race.objects.filter(source=self.source, source_id__in=written).values_list("source_id", "pk"))
        read_ids = [ids[sid] for sid, payload in written.items() if payload.runners_known]
        report.changed_race_ids |= field_changes(before, field_state(read_ids))
        moved = odds_snapshot_write(reads={ids[sid]: built[sid][1] for sid in written if built[sid][1] is not None})
        report.snapshots += sum(moved.values())
        report.changed_race_ids |= {race_id for race_id, count in moved.items() if count}
        for pk, status, official in Race.objects.filter(pk__in=ids.values()).values_list(
            "pk", "status", "results_official"
        ):
            if status == RaceStatus.FINISHED:
                report.finished_race_ids.add(pk)
            if official:
                report.official_race_ids.add(pk)
        if self.client.live:
            FeedSource.objects.update_or_create(name=self.source, defaults={"last_success_at": timezone.now()})
        announce(report, reason=reason)
        return report


def _build(course: Course) -> RacePayload | Rejected:
    """The race's payload, or why it cannot be written: a PMU response of an unexpected shape (a field of the
    wrong type deep inside) rejects its race like any other defect."""
    try:
        return build_race(course)
    except RejectRace as exc:
        return Rejected(course.location, str(exc))
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        return Rejected(course.location, f"malformed PMU response ({type(exc).__name__}: {exc})"[:300])
