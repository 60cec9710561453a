"""Past predictions beside what happened: a page of finished races, each with the prediction made before it.

Walk-forward: a race shows the predictions of the most recently trained version whose training
window ended before the race's day (a version never vouches for a race it learnt from); the
market baseline, which learns nothing from results, qualifies for any day.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q

from courses.models import BetType, Dividend, Race, RaceStatus, RunnerStatus

from .models import ModelKind, Prediction
from .services.probability import places_paid

_P_FLOOR = 1e-15


def _eligible() -> Q:
    return Q(model_version__kind=ModelKind.MARKET) | Q(
        model_version__trained_until__lt=F("runner__race__meeting__date")
    )


def prediction_history(
    *,
    start: dt.date,
    end: dt.date,
    limit: int,
    offset: int,
    discipline: str | None = None,
    racecourse: str | None = None,
) -> tuple[list[dict], int]:
    """(races, total): finished races in the window with their runners' predictions and outcomes."""
    predicted = Prediction.objects.filter(_eligible(), runner__race=OuterRef("pk"))
    races = Race.objects.filter(meeting__date__range=(start, end), status=RaceStatus.FINISHED).filter(
        Exists(predicted)
    )
    if discipline:
        races = races.filter(discipline=discipline)
    if racecourse:
        races = races.filter(meeting__racecourse__code__iexact=racecourse)
    total = races.count()
    page = list(
        races.select_related("meeting__racecourse").order_by("-meeting__date", "meeting__number", "number")[
            offset : offset + limit
        ]
    )
    ids = [race.pk for race in page]
    rows = (
        Prediction.objects.filter(_eligible(), runner__race_id__in=ids)
        .values(
            "runner__race_id", "runner__saddle_number", "runner__horse__name", "runner__status", "runner__position",
            "runner__final_odds", "runner__dead_heat", "win_probability", "place_probability", "rank",
            "model_version__version", "model_version__kind", "model_version__trained_until",
        )
        .order_by("runner__race_id", "runner__saddle_number")
    )
    rapports = {
        (race_id, combination): amount
        for race_id, combination, amount in Dividend.objects.filter(
            race_id__in=ids, bet_type=BetType.SIMPLE_GAGNANT
        ).values_list("race_id", "combination", "amount")
    }
    by_race: dict[int, dict[str, list[dict]]] = {}
    for row in rows:
        by_race.setdefault(row["runner__race_id"], {}).setdefault(row["model_version__version"], []).append(row)
    return [_race_item(race, _chosen(by_race.get(race.pk, {})), rapports) for race in page], total


def _chosen(versions: dict[str, list[dict]]) -> list[dict]:
    """The trained version with the latest training window, else the market baseline."""
    def key(rows):
        first = rows[0]
        trained = first["model_version__trained_until"] or dt.date.min
        return (first["model_version__kind"] != ModelKind.MARKET, trained, first["model_version__version"])

    return max(versions.values(), key=key) if versions else []


def _race_item(race: Race, rows: list[dict], rapports: dict) -> dict:
    running = [r for r in rows if r["runner__status"] != RunnerStatus.NON_PARTANT]
    paid = places_paid(len(running))
    winners = [r for r in running if r["runner__position"] == 1]
    runners = []
    for r in rows:
        won = r["runner__position"] == 1
        profit = _win_profit(r, won, len(winners), rapports.get((race.pk, str(r["runner__saddle_number"]))))
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
        log_loss = sum(-math.log(max(w["win_probability"], _P_FLOOR)) for w in winners) / len(winners)
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


def _win_profit(row: dict, won: bool, winners: int, rapport: Decimal | None) -> Decimal | None:
    """Profit of 1 unit on simple gagnant: the rapport where there is one, else final odds (÷ dead-heaters)."""
    if row["runner__status"] == RunnerStatus.NON_PARTANT:
        return Decimal("0")  # refunded
    if not won:
        return Decimal("-1")
    if rapport is not None:
        return rapport - 1
    if row["runner__final_odds"] is None:
        return None
    return (row["runner__final_odds"] / max(winners, 1) - 1).quantize(Decimal("0.01"))
