"""The public track record: every prediction frozen at a race's off, one canonical line per runner, closed day by
day into a hash chain anyone can recompute.

A line is the runner's ``PublishedPrediction`` of stage ``off`` written as JSON with sorted keys, no spaces, UTF-8,
decimals as strings with fixed places (probabilities 6, odds 2). A day's lines are ordered by réunion number,
course number and saddle number (R1C9 before R1C10), and

    lines_hash = sha256("\\n".join(lines))            (hex)
    day_hash   = sha256(previous_day_hash + lines_hash) (hex strings, concatenated)

the chain's first day taking 64 zeros as its previous hash. Real races and the synthetic demo go to two chains
(``RecordChain``), never mixed. A day closes once every race of it in that chain has gone off (``courses.clock``);
days close in order, and a closed day is never written again (``track_record_verify`` proves it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q
from django.utils import timezone

from courses.clock import gone_off
from courses.models import SYNTHETIC_SOURCES, Race, race_code
from turf.locks import locked

from ..models import PublishedPrediction, PublishedStage, RecordChain, TrackRecordDay, TrackRecordLine

GENESIS = "0" * 64
PROBABILITY_PLACES = Decimal("0.000001")
ODDS_PLACES = Decimal("0.01")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def day_hash_of(previous_day_hash: str, lines: list[str]) -> tuple[str, str]:
    """(lines_hash, day_hash) of a day's lines, in order, after ``previous_day_hash``."""
    lines_hash = sha256_hex("\n".join(lines))
    return lines_hash, sha256_hex(previous_day_hash + lines_hash)


def _fixed(value, places: Decimal) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(places, rounding=ROUND_HALF_EVEN))


def canonical_line(published: PublishedPrediction) -> str:
    """One runner's line: ``published`` with its runner, race, meeting, racecourse, horse and version loaded."""
    runner = published.runner
    race = runner.race
    meeting = race.meeting
    fields = {
        "date": meeting.date.isoformat(),
        "race": race_code(meeting.number, race.number),
        "racecourse": meeting.racecourse.code,
        "race_status": race.status,
        "saddle": runner.saddle_number,
        "horse": runner.horse.name,
        "win_probability": _fixed(published.win_probability, PROBABILITY_PLACES),
        "place_probability": _fixed(published.place_probability, PROBABILITY_PLACES),
        "market_probability": _fixed(published.market_probability, PROBABILITY_PLACES),
        "odds": _fixed(published.odds, ODDS_PLACES),
        "model_version": published.model_version.version,
        "published_at": published.published_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _chain_races(chain: str) -> Q:
    synthetic = Q(source__in=SYNTHETIC_SOURCES)
    return synthetic if chain == RecordChain.DEMO else ~synthetic


def _published_off(chain: str, day: dt.date):
    return (
        PublishedPrediction.objects.filter(stage=PublishedStage.OFF, runner__race__meeting__date=day)
        .filter(**{"runner__race__in": Race.objects.filter(_chain_races(chain))})
        .select_related("runner__race__meeting__racecourse", "runner__horse", "model_version")
        .order_by("runner__race__meeting__number", "runner__race__number", "runner__saddle_number")
    )


@dataclass(frozen=True)
class Closing:
    """What ``track_record_close`` did for one day: the day row, or why it stayed open."""

    day: dt.date
    record: TrackRecordDay | None
    reason: str = ""


NOTHING_PUBLISHED = "nothing was published before an off that day"
NOT_ALL_OFF = "a race of the day has not gone off yet"
EARLIER_OPEN = "an earlier day with published predictions is not closed yet"
BEFORE_THE_HEAD = "a later day is closed already: the chain only grows at its head"


def track_record_close(*, chain: str, day: dt.date, now: dt.datetime | None = None) -> Closing:
    """Close ``day`` into ``chain`` (once: a closed day is returned as it is). Under the chain's lock, so that two
    closers write one day."""
    now = now or timezone.now()
    with locked(f"track-record:{chain}"):
        closed = TrackRecordDay.objects.filter(chain=chain, day=day).first()
        if closed is not None:
            return Closing(day, closed)
        if TrackRecordDay.objects.filter(chain=chain, day__gt=day).exists():
            return Closing(day, None, BEFORE_THE_HEAD)
        previous = TrackRecordDay.objects.filter(chain=chain, day__lt=day).order_by("-day").first()
        if _open_days(chain, after=previous.day if previous else None, before=day):
            return Closing(day, None, EARLIER_OPEN)
        races = Race.objects.filter(_chain_races(chain), meeting__date=day)
        if races.exclude(gone_off(now)).exists():
            return Closing(day, None, NOT_ALL_OFF)
        published = list(_published_off(chain, day))
        if not published:
            return Closing(day, None, NOTHING_PUBLISHED)
        lines = [canonical_line(row) for row in published]
        previous_hash = previous.day_hash if previous is not None else GENESIS
        lines_hash, day_hash = day_hash_of(previous_hash, lines)
        record = TrackRecordDay.objects.create(
            chain=chain,
            day=day,
            races=len({row.runner.race_id for row in published}),
            runners=len(published),
            lines_hash=lines_hash,
            previous_day_hash=previous_hash,
            day_hash=day_hash,
            closed_at=now,
        )
        TrackRecordLine.objects.bulk_create(
            TrackRecordLine(
                day=record,
                position=position,
                race_code=race_code(row.runner.race.meeting.number, row.runner.race.number),
                saddle_number=row.runner.saddle_number,
                text=line,
                published=row,
            )
            for position, (row, line) in enumerate(zip(published, lines, strict=True))
        )
        return Closing(day, record)


def _open_days(chain: str, *, after: dt.date | None, before: dt.date) -> list[dt.date]:
    """Days strictly between ``after`` and ``before`` with predictions published at an off, not closed."""
    rows = PublishedPrediction.objects.filter(
        stage=PublishedStage.OFF,
        runner__race__in=Race.objects.filter(_chain_races(chain)),
        runner__race__meeting__date__lt=before,
    )
    if after is not None:
        rows = rows.filter(runner__race__meeting__date__gt=after)
    days = set(rows.values_list("runner__race__meeting__date", flat=True).distinct())
    closed = set(TrackRecordDay.objects.filter(chain=chain, day__in=days).values_list("day", flat=True))
    return sorted(days - closed)


def track_record_close_due(*, now: dt.datetime | None = None) -> list[Closing]:
    """Close, in order, every day of each chain that can be closed; a chain stops at its first day still open."""
    now = now or timezone.now()
    closings = []
    for chain in RecordChain.values:
        last = TrackRecordDay.objects.filter(chain=chain).order_by("-day").first()
        for day in _open_days(chain, after=last.day if last else None, before=timezone.localdate(now)):
            closing = track_record_close(chain=chain, day=day, now=now)
            closings.append(closing)
            if closing.record is None:
                break
    return closings


@dataclass(frozen=True)
class Verification:
    chain: str
    days: int  # days checked, the first mismatch included
    head: str  # the last day's hash as recomputed (GENESIS for an empty chain)
    first_bad: dt.date | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def track_record_verify(*, chain: str, progress: Callable[[], None] | None = None) -> Verification:
    """Recompute ``chain`` from its stored lines: each day's lines hash and day hash, and the link to the day
    before; the first day that does not match, or the chain's head."""
    previous = GENESIS
    checked = 0
    days = TrackRecordDay.objects.filter(chain=chain).order_by("day")
    lines_of = _lines_by_day(days)
    for record in days.iterator():
        checked += 1
        lines = lines_of.get(record.pk, [])
        lines_hash, day_hash = day_hash_of(previous, lines)
        problem = ""
        if record.previous_day_hash != previous:
            problem = "its previous_day_hash is not the hash of the day before"
        elif lines_hash != record.lines_hash or len(lines) != record.runners:
            problem = "its lines do not hash to the stored lines_hash"
        elif day_hash != record.day_hash:
            problem = "its day_hash is not sha256(previous_day_hash + lines_hash)"
        if problem:
            return Verification(chain, checked, previous, record.day, problem)
        previous = record.day_hash
        if progress is not None:
            progress()
    return Verification(chain, checked, previous)


def _lines_by_day(days) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = TrackRecordLine.objects.filter(day__in=days).order_by("day_id", "position").values_list("day_id", "text")
    for day_id, text in rows.iterator(chunk_size=20_000):
        found.setdefault(day_id, []).append(text)
    return found


def day_lines(record: TrackRecordDay) -> list[str]:
    return list(record.lines.order_by("position").values_list("text", flat=True))


def chain_days(*, chain: str, start: dt.date | None = None, end: dt.date | None = None) -> Iterable[TrackRecordDay]:
    days = TrackRecordDay.objects.filter(chain=chain).order_by("-day")
    if start is not None:
        days = days.filter(day__gte=start)
    if end is not None:
        days = days.filter(day__lte=end)
    return days
