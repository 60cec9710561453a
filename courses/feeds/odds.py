"""The market's movement: a snapshot of a runner's odds each time the feed sees them change, and what changed
in a race's field (new runners, non-partants) between two reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from turf.cache import answers_invalidate

from ..models import OddsSnapshot, Race, Runner, RunnerStatus

# race id -> saddle number -> (status, final odds)
FieldState = dict[int, dict[int, tuple[str, Decimal | None]]]


@dataclass
class OddsRead:
    """One read of a race's live odds: when the feed fetched them, and when PMU stamped each runner's."""

    fetched_at: dt.datetime
    stamps: dict[int, dt.datetime] = field(default_factory=dict)  # saddle -> dernierRapportDirect.dateRapport

    def taken_at(self, saddle: int) -> dt.datetime:
        """When these odds were the market's: PMU's own stamp (a backfilled day keeps the time of its odds, not
        the time it was fetched), never later than the fetch; the fetch time when PMU gives none."""
        stamp = self.stamps.get(saddle)
        return min(stamp, self.fetched_at) if stamp is not None else self.fetched_at


def odds_stamps(participants: dict) -> dict[int, dt.datetime]:
    """Saddle -> when PMU computed the runner's live odds, from a participants response."""
    stamps = {}
    for row in participants.get("participants") or []:
        quote = row.get("dernierRapportDirect")
        if not isinstance(quote, dict):
            continue
        number, stamp = row.get("numPmu"), quote.get("dateRapport")
        if _whole(number) and _whole(stamp):
            stamps[number] = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
    return stamps


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def field_state(race_ids: Iterable[int]) -> FieldState:
    """Each race's runners as stored now: status and live odds by saddle number."""
    state: FieldState = {race_id: {} for race_id in race_ids}
    for race_id, saddle, status, odds in Runner.objects.filter(race_id__in=state).values_list(
        "race_id", "saddle_number", "status", "final_odds"
    ):
        state[race_id][saddle] = (status, odds)
    return state


def field_changes(before: FieldState, after: FieldState) -> set[int]:
    """Races whose field changed: a new or withdrawn runner, or one that became (or stopped being) a
    non-partant."""
    changed = set()
    for race_id, runners in after.items():
        previous = before.get(race_id, {})
        if set(previous) - set(runners):
            changed.add(race_id)
            continue
        for saddle, (status, _) in runners.items():
            old = previous.get(saddle)
            was_out = old is not None and old[0] == RunnerStatus.NON_PARTANT
            if old is None or was_out != (status == RunnerStatus.NON_PARTANT):
                changed.add(race_id)
                break
    return changed


@transaction.atomic
def odds_snapshot_write(*, reads: dict[int, OddsRead], morning_line: bool = False) -> dict[int, int]:
    """For each race read (race id -> read): a snapshot of every runner whose live odds differ from its last
    one (``morning`` for its first, taken before the off), and the race's ``odds_at`` (the time of its live
    odds). With ``morning_line``, a runner with no live odds yet is snapshotted at its morning odds (a feed that
    publishes the morning line before any live odds: the demo). Returns race id -> snapshots written."""
    if not reads:
        return {}
    last: dict[int, tuple[dt.datetime, Decimal]] = {}
    for runner_id, taken_at, odds in (
        OddsSnapshot.objects.filter(runner__race_id__in=reads)
        .order_by("runner_id", "taken_at")
        .values_list("runner_id", "taken_at", "odds")
    ):
        last[runner_id] = (taken_at, odds)
    races = {
        pk: (start, odds_at)
        for pk, start, odds_at in Race.objects.filter(pk__in=reads).values_list("pk", "start_time", "odds_at")
    }
    written = dict.fromkeys(reads, 0)
    latest: dict[int, dt.datetime] = {}
    snapshots = []
    runners = Runner.objects.filter(race_id__in=reads).exclude(status=RunnerStatus.NON_PARTANT)
    for runner_id, race_id, saddle, live, morning_odds in runners.values_list(
        "pk", "race_id", "saddle_number", "final_odds", "morning_odds"
    ):
        odds = live if live is not None or not morning_line else morning_odds
        if odds is None:
            continue
        read = reads[race_id]
        taken_at = read.taken_at(saddle)
        previous = last.get(runner_id)
        moved = previous is None or previous[1] != odds
        if moved and previous is not None and taken_at <= previous[0]:
            taken_at = read.fetched_at  # PMU's stamp did not move with its odds: the time we saw them
        if live is not None:
            latest[race_id] = max(latest.get(race_id, taken_at), taken_at)
        if not moved or (previous is not None and taken_at <= previous[0]):
            continue
        start = races[race_id][0]
        morning = previous is None and (start is None or taken_at < start)
        snapshots.append(OddsSnapshot(runner_id=runner_id, taken_at=taken_at, odds=odds, morning=morning))
        written[race_id] += 1
    # ignore_conflicts: two overlapping checks of one race may both see the same move at the same PMU stamp.
    OddsSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
    for race_id, odds_at in latest.items():
        if races[race_id][1] != odds_at:
            Race.objects.filter(pk=race_id).update(odds_at=odds_at)
    if snapshots or latest:
        answers_invalidate()  # the odds the API's cached answers showed
    return written


def odds_movement(*, race_id: int) -> dict[int, list[tuple[dt.datetime, Decimal]]]:
    """A race's market movement as the feed saw it, in one query: runner id -> [(taken_at, odds)] in time order
    (a runner never snapshotted is absent)."""
    movement: dict[int, list[tuple[dt.datetime, Decimal]]] = {}
    rows = OddsSnapshot.objects.filter(runner__race_id=race_id).order_by("runner_id", "taken_at")
    for runner_id, taken_at, odds in rows.values_list("runner_id", "taken_at", "odds"):
        movement.setdefault(runner_id, []).append((taken_at, odds))
    return movement
