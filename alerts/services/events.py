"""The events' producers: what the pipelines' signals (``alerts.receivers``) turn into ``Event`` rows, each once.

Every producer writes only events someone may hear of (a follower of the race, its racecourse, or a runner's
horse, jockey or trainer): the fan-out tells them. ``Event.key`` names the cause, so a pipeline that runs twice
writes nothing the second time (``bulk_create(ignore_conflicts=True)``); the events that come and go (a value
bet, an odds move, a rescoring) carry a sequence number in their key, the next one after the last event of the
runner or race, so a bet that comes back is a new event. Each new event's fan-out is queued by name
(``alerts.event_fan_out``) once the rows are committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from courses.clock import not_gone_off
from courses.models import Race, RaceStatus, Runner, RunnerStatus
from predictions.models import Prediction
from predictions.services.versions import model_version_active_get
from wagering.selectors.value_bets import value_bet_list
from wagering.services.rapports import race_rapports

from ..models import AlertPreference, Event, EventType, WatchlistEntry

logger = logging.getLogger("turf.alerts")

FAN_OUT_TASK = "alerts.event_fan_out"
# A result is announced for a race finished this long ago at most (a history import does not alert anybody).
RESULT_DAYS = 2


# ---------------------------------------------------------------------------------------------------- who follows


def runner_followed() -> Exists:
    """On a Runner queryset: someone follows the runner's horse, jockey, trainer, race or racecourse."""
    return Exists(
        WatchlistEntry.objects.filter(
            Q(horse=OuterRef("horse_id"))
            | Q(jockey=OuterRef("jockey_id"))
            | Q(trainer=OuterRef("trainer_id"))
            | Q(race=OuterRef("race_id"))
            | Q(racecourse=OuterRef("race__meeting__racecourse_id"))
        )
    )


def race_followed() -> Q:
    """On a Race queryset: someone follows the race, its racecourse, or a horse, jockey or trainer running in it."""
    direct = Exists(
        WatchlistEntry.objects.filter(Q(race=OuterRef("pk")) | Q(racecourse=OuterRef("meeting__racecourse_id")))
    )
    runners = Exists(
        Runner.objects.filter(race=OuterRef("pk")).filter(
            Exists(
                WatchlistEntry.objects.filter(
                    Q(horse=OuterRef("horse_id")) | Q(jockey=OuterRef("jockey_id")) | Q(trainer=OuterRef("trainer_id"))
                )
            )
        )
    )
    return Q(direct) | Q(runners)


# ---------------------------------------------------------------------------------------------------- payloads


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value) -> str | None:
    return str(value) if value is not None else None


def race_payload(race: Race) -> dict:
    """What every event of a race says of it (``race`` selected with its meeting and racecourse)."""
    return {
        "race_id": race.pk,
        "race_code": race.code,
        "race_name": race.name,
        "date": race.meeting.date.isoformat(),
        "racecourse": race.meeting.racecourse.name,
        "start_time": _iso(race.start_time),
    }


def runner_payload(runner: Runner) -> dict:
    """The race and the runner (``runner`` selected with its race, meeting, racecourse, horse, jockey, trainer)."""
    return {
        **race_payload(runner.race),
        "runner_id": runner.pk,
        "saddle_number": runner.saddle_number,
        "horse_id": runner.horse_id,
        "horse": runner.horse.name,
        "jockey": runner.jockey.name if runner.jockey_id else None,
        "trainer": runner.trainer.name if runner.trainer_id else None,
    }


RUNNER_RELATED = ("race__meeting__racecourse", "horse", "jockey", "trainer")


# ---------------------------------------------------------------------------------------------------- writing


def _events_write(events: list[Event]) -> list[Event]:
    """Insert the events whose key is new; queue the fan-out of each once committed; the events written."""
    if not events:
        return []
    Event.objects.bulk_create(events, ignore_conflicts=True, batch_size=500)
    fresh = list(
        Event.objects.filter(key__in=[event.key for event in events], fanned_out_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    written = [event for event in events if event.pk in set(fresh)]
    if fresh:
        transaction.on_commit(lambda: [event_fan_out_queue(event_id=pk) for pk in fresh])
    return written


def event_fan_out_queue(*, event_id) -> None:
    """Queue the fan-out of one event (by task name: the tasks import the services, never the other way)."""
    current_app.signature(FAN_OUT_TASK, args=(str(event_id),)).delay()


def _next_sequences(prefixes: Iterable[str]) -> dict[str, int]:
    """For each key prefix (``valuebet:<runner>``), the sequence number of the next event: 1 + the events so far."""
    prefixes = list(prefixes)
    counts = dict.fromkeys(prefixes, 0)
    if not prefixes:
        return counts
    condition = Q()
    for prefix in prefixes:
        condition |= Q(key__startswith=f"{prefix}:")
    for key in Event.objects.filter(condition).values_list("key", flat=True):
        prefix = key.rsplit(":", 1)[0]
        if prefix in counts:
            counts[prefix] += 1
    return {prefix: count + 1 for prefix, count in counts.items()}


# ---------------------------------------------------------------------------------------------------- producers


def events_runner_declared(*, race_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> list[Event]:
    """``runner.declared``: every runner of a race still to come (of ``race_ids``, default all) whose horse, jockey,
    trainer, race or racecourse someone follows, once per runner (``runner.declared:<runner>``)."""
    runners = Runner.objects.filter(not_gone_off(now, prefix="race__")).filter(runner_followed())
    if race_ids is not None:
        runners = runners.filter(race_id__in=list(race_ids))
    runners = runners.exclude(
        Exists(Event.objects.filter(type=EventType.RUNNER_DECLARED, runner=OuterRef("pk")))
    ).select_related(*RUNNER_RELATED)
    events = [
        Event(
            type=EventType.RUNNER_DECLARED,
            key=f"{EventType.RUNNER_DECLARED}:{runner.pk}",
            race_id=runner.race_id,
            runner=runner,
            payload={
                **runner_payload(runner),
                "morning_odds": _number(runner.morning_odds),
                "non_partant": runner.status == RunnerStatus.NON_PARTANT,
            },
        )
        for runner in runners
    ]
    return _events_write(events)


def events_race_result(*, now: dt.datetime | None = None) -> list[Event]:
    """``race.result``: every followed race finished lately (``RESULT_DAYS``) with its arrival written, once per race
    (``race.result:<race>``), with the arrival and the rapports."""
    today = timezone.localdate(now)
    races = (
        Race.objects.filter(status=RaceStatus.FINISHED, meeting__date__gte=today - dt.timedelta(days=RESULT_DAYS))
        .filter(Exists(Runner.objects.filter(race=OuterRef("pk"), position__isnull=False)))
        .filter(race_followed())
        .exclude(Exists(Event.objects.filter(type=EventType.RACE_RESULT, race=OuterRef("pk"))))
        .select_related("meeting__racecourse")
    )
    events = []
    for race in races:
        arrival = list(
            Runner.objects.filter(race=race, position__isnull=False)
            .order_by("position", "saddle_number")
            .values("pk", "saddle_number", "horse__name", "position", "final_odds")
        )
        rapports = race_rapports(race_id=race.pk)
        events.append(
            Event(
                type=EventType.RACE_RESULT,
                key=f"{EventType.RACE_RESULT}:{race.pk}",
                race=race,
                payload={
                    **race_payload(race),
                    "official": race.results_official,
                    "arrival": [
                        {
                            "runner_id": row["pk"],
                            "position": row["position"],
                            "saddle_number": row["saddle_number"],
                            "horse": row["horse__name"],
                            "final_odds": _number(row["final_odds"]),
                        }
                        for row in arrival
                    ],
                    "rapports": [
                        {
                            "bet_type": line["bet_type"],
                            "label": str(line["label"]),
                            "combination": line["combination"],
                            "amount": _number(line["amount"]),
                        }
                        for line in rapports
                    ],
                },
            )
        )
    return _events_write(events)


def odds_move_default() -> Decimal:
    """The odds move (percent of the previous price) that counts for a user who has not set one."""
    return Decimal(str(settings.TURF_ALERT_ODDS_MOVE_PERCENT))


def events_odds_moved(*, race_ids: Iterable[int], now: dt.datetime | None = None) -> list[Event]:
    """``odds.moved``: a followed runner of a race still to come whose odds moved, from the price of its last
    ``odds.moved`` event (else its morning line), by at least the smallest threshold one of its followers set
    (``AlertPreference.odds_move_percent``, else ``TURF_ALERT_ODDS_MOVE_PERCENT``); the fan-out tells each
    follower whose own threshold the move reaches. Keyed ``odds.moved:<runner>:<n>``."""
    runners = list(
        Runner.objects.filter(not_gone_off(now, prefix="race__"), race_id__in=list(race_ids))
        .filter(runner_followed())
        .exclude(status=RunnerStatus.NON_PARTANT)
        .filter(final_odds__isnull=False)
        .select_related(*RUNNER_RELATED)
    )
    if not runners:
        return []
    last_price: dict[int, Decimal] = {}
    for runner_id, payload in (
        Event.objects.filter(type=EventType.ODDS_MOVED, runner__in=runners)
        .order_by("created_at")
        .values_list("runner_id", "payload")
    ):
        last_price[runner_id] = Decimal(payload["odds"])
    threshold = _smallest_odds_threshold()
    prefixes = {runner.pk: f"{EventType.ODDS_MOVED}:{runner.pk}" for runner in runners}
    moved = []
    for runner in runners:
        before = last_price.get(runner.pk, runner.morning_odds)
        if not before:
            continue
        percent = (runner.final_odds - before) / before * 100
        if abs(percent) >= threshold:
            moved.append((runner, before, percent))
    sequences = _next_sequences(prefixes[runner.pk] for runner, _, _ in moved)
    events = [
        Event(
            type=EventType.ODDS_MOVED,
            key=f"{prefixes[runner.pk]}:{sequences[prefixes[runner.pk]]}",
            race_id=runner.race_id,
            runner=runner,
            payload={
                **runner_payload(runner),
                "previous_odds": _number(before),
                "odds": _number(runner.final_odds),
                "move_percent": _number(percent.quantize(Decimal("0.1"))),
            },
        )
        for runner, before, percent in moved
    ]
    return _events_write(events)


def _smallest_odds_threshold() -> Decimal:
    """The smallest move any user asked to hear of (the default for who set none)."""
    smallest = (
        AlertPreference.objects.filter(event_type=EventType.ODDS_MOVED, odds_move_percent__isnull=False)
        .order_by("odds_move_percent")
        .values_list("odds_move_percent", flat=True)
        .first()
    )
    default = odds_move_default()
    return min(smallest, default) if smallest is not None else default


def events_value_bets(*, race_ids: Iterable[int], now: dt.datetime | None = None) -> list[Event]:
    """``valuebet.created`` / ``valuebet.removed``: the followed races' value bets (the value-bet list's one rule,
    ``wagering.selectors.value_bets``) against the runner's last value-bet event: a bet that appears is created,
    one that is gone is removed (``valuebet:<runner>:<n>`` sequences both)."""
    races = list(
        Race.objects.filter(not_gone_off(now), pk__in=list(race_ids))
        .filter(race_followed())
        .select_related("meeting__racecourse")
    )
    if not races:
        return []
    wanted = {race.pk for race in races}
    bets: dict[int, dict] = {}
    for day in sorted({race.meeting.date for race in races}):
        for bet in value_bet_list(day=day, now=now):
            if bet["race_id"] in wanted:
                bets[bet["runner_id"]] = bet
    runners = {
        runner.pk: runner
        for runner in Runner.objects.filter(race_id__in=wanted)
        .filter(runner_followed())
        .select_related(*RUNNER_RELATED)
    }
    # The last value-bet event of each runner says whether it is one now (created) or not (removed, or none).
    standing: dict[int, str] = {}
    for runner_id, kind in (
        Event.objects.filter(runner_id__in=runners, type__in=[EventType.VALUEBET_CREATED, EventType.VALUEBET_REMOVED])
        .order_by("created_at")
        .values_list("runner_id", "type")
    ):
        standing[runner_id] = kind
    changes = []
    for runner_id, runner in runners.items():
        is_bet = runner_id in bets
        was_bet = standing.get(runner_id) == EventType.VALUEBET_CREATED
        if is_bet != was_bet:
            changes.append((runner, EventType.VALUEBET_CREATED if is_bet else EventType.VALUEBET_REMOVED))
    sequences = _next_sequences(f"valuebet:{runner.pk}" for runner, _ in changes)
    events = []
    for runner, kind in changes:
        bet = bets.get(runner.pk)
        detail = (
            {
                "odds": _number(bet["odds"]),
                "win_probability": round(bet["win_probability"], 4),
                "expected_value": round(bet["expected_value"], 4),
                "stake": _number(bet["stake"]),
                "model_version": bet["model_version"],
            }
            if bet
            else {}
        )
        events.append(
            Event(
                type=kind,
                key=f"valuebet:{runner.pk}:{sequences[f'valuebet:{runner.pk}']}",
                race_id=runner.race_id,
                runner=runner,
                payload={**runner_payload(runner), **detail},
            )
        )
    return _events_write(events)


# How many of a race's ranked runners a ``prediction.updated`` event lists (and compares).
PREDICTION_TOP = 3


def events_prediction_updated(*, race_ids: Iterable[int], now: dt.datetime | None = None) -> list[Event]:
    """``prediction.updated``: a followed race still to come whose active version's top picks (the first
    ``PREDICTION_TOP`` by rank) differ from those its last such event gave (or that had none):
    ``prediction.updated:<race>:<n>``."""
    version = model_version_active_get()
    if version is None:
        return []
    races = {
        race.pk: race
        for race in Race.objects.filter(not_gone_off(now), pk__in=list(race_ids))
        .filter(race_followed())
        .select_related("meeting__racecourse")
    }
    if not races:
        return []
    tops: dict[int, list[dict]] = {}
    for row in (
        Prediction.objects.filter(model_version=version, runner__race_id__in=races, rank__lte=PREDICTION_TOP)
        .order_by("runner__race_id", "rank", "runner__saddle_number")
        .values("runner__race_id", "runner_id", "runner__saddle_number", "runner__horse__name", "win_probability")
        .annotate(race_id=F("runner__race_id"))
    ):
        tops.setdefault(row["race_id"], []).append(
            {
                "runner_id": row["runner_id"],
                "saddle_number": row["runner__saddle_number"],
                "horse": row["runner__horse__name"],
                "win_probability": round(row["win_probability"], 4),
            }
        )
    last: dict[int, list[int]] = {}
    for race_id, payload in (
        Event.objects.filter(type=EventType.PREDICTION_UPDATED, race_id__in=races)
        .order_by("created_at")
        .values_list("race_id", "payload")
    ):
        last[race_id] = [pick["runner_id"] for pick in payload.get("top", [])]
    changed = [race_id for race_id, top in tops.items() if [pick["runner_id"] for pick in top] != last.get(race_id)]
    sequences = _next_sequences(f"{EventType.PREDICTION_UPDATED}:{race_id}" for race_id in changed)
    events = [
        Event(
            type=EventType.PREDICTION_UPDATED,
            key=f"{EventType.PREDICTION_UPDATED}:{race_id}:{sequences[f'{EventType.PREDICTION_UPDATED}:{race_id}']}",
            race=races[race_id],
            payload={**race_payload(races[race_id]), "model_version": version.version, "top": tops[race_id]},
        )
        for race_id in changed
    ]
    return _events_write(events)
