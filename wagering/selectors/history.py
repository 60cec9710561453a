"""Past predictions beside what happened: a page of finished races, each with the prediction made before it.

Walk-forward (``wagering.services.walk_forward``): a race shows the predictions of the most recently trained
version whose training window ended before the race's day (a version never vouches for a race it
learnt from); the market baseline, which learns nothing from results, qualifies for any day. Each
runner's 1-unit win profit is settled as a backtest settles it (``wagering.services.settlement``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
from django.db.models import Exists, OuterRef, Q

from courses.models import Race, RaceStatus, RunnerStatus
from predictions.models import Prediction
from predictions.services.probability import P_FLOOR, places_paid
from turf.pagination import LazyRows

from ..services.rapports import win_dividends
from ..services.settlement import cents, commission_percent, money, returns, settle_win
from ..services.walk_forward import walk_forward_choose, walk_forward_eligible, walk_forward_order


def prediction_history(
    *,
    start: dt.date,
    end: dt.date,
    discipline: str | None = None,
    racecourse: str | None = None,
) -> LazyRows:
    """Finished races in the window, newest first, with their runners' predictions and outcomes (paged lazily)."""
    predicted = Prediction.objects.filter(walk_forward_eligible(), runner__race=OuterRef("pk"))
    races = Race.objects.filter(meeting__date__range=(start, end), status=RaceStatus.FINISHED).filter(Exists(predicted))
    if discipline:
        races = races.filter(discipline=discipline)
    if racecourse:
        races = races.filter(meeting__racecourse__code__iexact=racecourse)
    races = races.select_related("meeting__racecourse").order_by("-meeting__date", "meeting__number", "number")
    return LazyRows(races, _race_items)


def _race_items(page: list[Race]) -> list[dict]:
    """A page of races with the walk-forward prediction of each runner: a fixed number of queries."""
    ids = [race.pk for race in page]
    rows = (
        Prediction.objects.filter(walk_forward_eligible(), runner__race_id__in=ids)
        .values(
            "runner__race_id",
            "runner__saddle_number",
            "runner__horse__name",
            "runner__status",
            "runner__position",
            "runner__final_odds",
            "runner__dead_heat",
            "win_probability",
            "place_probability",
            "rank",
            "model_version__version",
            "model_version__kind",
            "model_version__trained_until",
        )
        .order_by("runner__race_id", "runner__saddle_number")
    )
    rapports = win_dividends(Q(race_id__in=ids))
    rows = _chosen(list(rows))
    by_race: dict[int, list[dict]] = {}
    for row in rows:
        by_race.setdefault(row["runner__race_id"], []).append(row)
    return [_race_item(race, by_race.get(race.pk, []), rapports) for race in page]


def _chosen(rows: list[dict]) -> list[dict]:
    """The rows of each race's walk-forward version (every row here is eligible: the query says so)."""
    versions = walk_forward_order(
        {
            row["model_version__version"]: SimpleNamespace(
                version=row["model_version__version"],
                kind=row["model_version__kind"],
                trained_until=row["model_version__trained_until"],
            )
            for row in rows
        }.values()
    )
    rank = {v.version: i for i, v in enumerate(versions)}
    keep = walk_forward_choose(
        race=[row["runner__race_id"] for row in rows],
        rank=[rank[row["model_version__version"]] for row in rows],
        eligible=np.ones(len(rows), dtype=bool),
    )
    return [row for row, kept in zip(rows, keep.tolist(), strict=True) if kept]


def _race_item(race: Race, rows: list[dict], rapports: dict) -> dict:
    running = [r for r in rows if r["runner__status"] != RunnerStatus.NON_PARTANT]
    paid = places_paid(len(running))
    winners = [r for r in running if r["runner__position"] == 1]
    runners = []
    for r, profit in zip(rows, _win_profits(race, rows, len(winners), rapports), strict=True):
        won = r["runner__position"] == 1
        runners.append(
            {
                "saddle_number": r["runner__saddle_number"],
                "horse": r["runner__horse__name"],
                "status": r["runner__status"],
                "position": r["runner__position"],
                "won": won,
                "placed": r["runner__position"] is not None and r["runner__position"] <= paid,
                "odds": r["runner__final_odds"],
                "win_probability": r["win_probability"],
                "place_probability": r["place_probability"],
                "rank": r["rank"],
                "profit_1_unit": profit,
            }
        )
    log_loss = None
    if winners:
        log_loss = sum(-math.log(max(w["win_probability"], P_FLOOR)) for w in winners) / len(winners)
    return {
        "race_id": race.pk,
        "date": race.meeting.date,
        "race_code": race.code,
        "race_name": race.name,
        "racecourse": race.meeting.racecourse.name,
        "discipline": race.discipline,
        "source": race.source,
        "model_version": rows[0]["model_version__version"] if rows else None,
        "winner": [w["runner__saddle_number"] for w in winners],
        "log_loss": log_loss,
        "runners": runners,
    }


def _win_profits(race: Race, rows: list[dict], winners: int, rapports: dict) -> list[Decimal | None]:
    """Per row, the profit of 1 unit on simple gagnant, settled as a backtest settles it; None where it cannot be."""
    lines = rapports.get(race.pk)
    n = len(rows)
    settled = settle_win(
        present=np.full(n, lines is not None),
        paid=cents((lines or {}).get(r["runner__saddle_number"], 0) for r in rows),
        winners=np.full(n, winners),
        won=[r["runner__position"] == 1 for r in rows],
        price=cents(r["runner__final_odds"] for r in rows),
        commission=commission_percent([race.source] * n),
        refund=[r["runner__status"] == RunnerStatus.NON_PARTANT for r in rows],
    )
    stakes = np.full(n, 100, dtype=np.int64)
    back = returns(stakes, settled)
    return [money(b - 100) if ok else None for b, ok in zip(back.tolist(), settled.ok.tolist(), strict=True)]
