"""Past predictions beside what happened: a page of finished races, each with the prediction made before it.

Each race shows the prediction it is judged by (``wagering.services.pre_race``), whatever model is active now:
the one published at its off (basis ``published``: the version that spoke then, the odds it saw), else, for a
race that was never live, the walk-forward one (basis ``walk_forward``: the most recently trained version whose
training window ended before the race's day, the market baseline as the last resort). Each runner's 1-unit win
profit is settled as a backtest settles it (``wagering.services.settlement``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
from django.db.models import Q

from courses.models import Race, RaceStatus, RunnerStatus
from predictions.services.probability import P_FLOOR, places_paid
from predictions.services.runners import runner_columns
from turf.pagination import LazyRows

from ..services.pre_race import pre_race_predictions, race_predicted_before
from ..services.rapports import win_dividends
from ..services.settlement import cents, commission_percent, money, returns, settle_win


def prediction_history(
    *,
    start: dt.date,
    end: dt.date,
    discipline: str | None = None,
    racecourse: str | None = None,
) -> LazyRows:
    """Finished races in the window, newest first, with their runners' predictions and outcomes (paged lazily)."""
    races = Race.objects.filter(meeting__date__range=(start, end), status=RaceStatus.FINISHED).filter(
        race_predicted_before()
    )
    if discipline:
        races = races.filter(discipline=discipline)
    if racecourse:
        races = races.filter(meeting__racecourse__code__iexact=racecourse)
    races = races.select_related("meeting__racecourse").order_by("-meeting__date", "meeting__number", "number")
    return LazyRows(races, _race_items)


def _race_items(page: list[Race]) -> list[dict]:
    """A page of races with the pre-race prediction of each runner: a fixed number of queries."""
    ids = [race.pk for race in page]
    runners = runner_columns(Q(race_id__in=ids))
    judged = pre_race_predictions(Q(runner__race_id__in=ids))
    at, found = judged.rows_of(runners.runner_id)
    order = np.argsort(at, kind="stable")  # programme order: by race, then saddle
    at, found = at[order], found[order]
    by_race: dict[int, list[dict]] = {}
    for i, j in zip(at.tolist(), found.tolist(), strict=True):
        by_race.setdefault(int(runners.race_id[i]), []).append(
            {
                "saddle_number": int(runners.saddle[i]),
                "horse": runners.horse[i],
                "status": runners.status[i],
                "position": None if np.isnan(runners.position[i]) else int(runners.position[i]),
                "final_odds": runners.final_odds_decimal[i],
                "win_probability": float(judged.win[j]),
                "place_probability": None if np.isnan(judged.place[j]) else float(judged.place[j]),
                "rank": int(judged.rank[j]),
                "prediction_odds": judged.odds[j],
                "model_version": judged.versions[int(judged.version[j])],
                "basis": judged.basis[j],
                "published_at": judged.published_at[j],
            }
        )
    rapports = win_dividends(Q(race_id__in=ids))
    return [_race_item(race, by_race.get(race.pk, []), rapports) for race in page]


def _race_item(race: Race, rows: list[dict], rapports: dict) -> dict:
    running = [r for r in rows if r["status"] != RunnerStatus.NON_PARTANT]
    paid = places_paid(len(running))
    winners = [r for r in running if r["position"] == 1]
    runners = []
    for r, profit in zip(rows, _win_profits(race, rows, len(winners), rapports), strict=True):
        runners.append(
            {
                "saddle_number": r["saddle_number"],
                "horse": r["horse"],
                "status": r["status"],
                "position": r["position"],
                "won": r["position"] == 1,
                "placed": r["position"] is not None and r["position"] <= paid,
                "odds": r["final_odds"],
                "prediction_odds": r["prediction_odds"],
                "win_probability": r["win_probability"],
                "place_probability": r["place_probability"],
                "rank": r["rank"],
                "profit_1_unit": profit,
            }
        )
    log_loss = None
    if winners:
        log_loss = sum(-math.log(max(w["win_probability"], P_FLOOR)) for w in winners) / len(winners)
    first = rows[0] if rows else {}
    return {
        "race_id": race.pk,
        "date": race.meeting.date,
        "race_code": race.code,
        "race_name": race.name,
        "racecourse": race.meeting.racecourse.name,
        "discipline": race.discipline,
        "source": race.source,
        "model_version": first.get("model_version"),
        "basis": first.get("basis"),
        "published_at": first.get("published_at"),
        "winner": [w["saddle_number"] for w in winners],
        "log_loss": log_loss,
        "runners": runners,
    }


def _win_profits(race: Race, rows: list[dict], winners: int, rapports: dict) -> list[Decimal | None]:
    """Per row, the profit of 1 unit on simple gagnant, settled as a backtest settles it; None where it cannot be."""
    lines = rapports.get(race.pk)
    n = len(rows)
    settled = settle_win(
        present=np.full(n, lines is not None),
        paid=cents((lines or {}).get(r["saddle_number"], 0) for r in rows),
        winners=np.full(n, winners),
        won=[r["position"] == 1 for r in rows],
        price=cents(r["final_odds"] for r in rows),
        commission=commission_percent([race.source] * n),
        refund=[r["status"] == RunnerStatus.NON_PARTANT for r in rows],
    )
    stakes = np.full(n, 100, dtype=np.int64)
    back = returns(stakes, settled)
    return [money(b - 100) if ok else None for b, ok in zip(back.tolist(), settled.ok.tolist(), strict=True)]
