"""Beside the public track record: a closed day's results (per race, its status, the arrival and every rapport, the
rapports reader's lines, once known), and how the record's frozen lines did against the market."""

from __future__ import annotations

import json

import numpy as np

from courses.models import SYNTHETIC_SOURCES, Race, RaceStatus, Runner, RunnerStatus, race_code
from predictions.models import RecordChain, TrackRecordDay, TrackRecordLine
from predictions.services.metrics import log_loss_difference, race_log_loss, reliability_bins
from predictions.services.races import Races

from .rapports import race_rapports


def day_results(record: TrackRecordDay) -> list[dict]:
    """The races of ``record``'s lines, in the lines' order: status, arrival (saddle numbers by finishing position,
    dead heats sharing one), non-partants, and the rapports per 1 € as strings."""
    codes = list(dict.fromkeys(record.lines.order_by("position").values_list("race_code", flat=True)))
    races = Race.objects.filter(meeting__date=record.day).select_related("meeting")
    synthetic = {"source__in": SYNTHETIC_SOURCES}
    races = races.filter(**synthetic) if record.chain == RecordChain.DEMO else races.exclude(**synthetic)
    by_code = {race_code(race.meeting.number, race.number): race for race in races.prefetch_related("runners")}
    results = []
    for code in codes:
        race = by_code.get(code)
        if race is None:  # deleted since: the record keeps its lines, there is nothing to put beside them
            results.append({"race": code, "status": None, "arrival": [], "non_partants": [], "rapports": []})
            continue
        runners = list(race.runners.all())
        placed = sorted((r.position, r.saddle_number) for r in runners if r.position)
        results.append(
            {
                "race": code,
                "status": race.status,
                "arrival": [{"position": position, "saddle": saddle} for position, saddle in placed],
                "non_partants": sorted(r.saddle_number for r in runners if r.status == RunnerStatus.NON_PARTANT),
                "rapports": [
                    {
                        "bet_type": line["bet_type"],
                        "combination": line["combination"],
                        "amount": str(line["amount"]),
                    }
                    for line in race_rapports(race_id=race.pk)
                ],
            }
        )
    return results


def record_performance(*, chain: str = RecordChain.REAL) -> dict:
    """How the record's frozen lines did, from those lines alone and the arrivals: race log loss of the published
    win probability against the market's at the same moment (``market_probability`` of the same line), overall and
    by month with bootstrap 95% intervals, and the calibration of the published probabilities. A race counts when it
    finished with a winner and every line of it carries the market's probability."""
    rows = []  # (month, race key, saddle, p, market)
    for day, text in TrackRecordLine.objects.filter(day__chain=chain).values_list("day__day", "text").iterator():
        line = json.loads(text)
        market = line["market_probability"]
        rows.append((day, line["race"], line["saddle"], float(line["win_probability"]), market))
    if not rows:
        return {"races": 0}
    days = sorted({row[0] for row in rows})
    positions = {
        (runner.race.meeting.date, race_code(runner.race.meeting.number, runner.race.number), runner.saddle_number): (
            runner.position
        )
        for runner in Runner.objects.filter(race__meeting__date__in=days, race__status=RaceStatus.FINISHED)
        .select_related("race__meeting")
        .only("saddle_number", "position", "race__number", "race__meeting__number", "race__meeting__date")
    }
    by_race: dict[tuple, list] = {}
    for day, code, saddle, p, market in rows:
        by_race.setdefault((day, code), []).append((saddle, p, market, positions.get((day, code, saddle))))
    kept = {
        key: runners
        for key, runners in by_race.items()
        if any(position == 1 for *_, position in runners) and all(market is not None for _, _, market, _ in runners)
    }
    if not kept:
        return {"races": 0}
    keys = sorted(kept)
    race_ids = np.concatenate([np.full(len(kept[key]), i) for i, key in enumerate(keys)])
    p = np.array([runner[1] for key in keys for runner in kept[key]])
    market = np.array([float(runner[2]) for key in keys for runner in kept[key]])
    first = np.array([runner[3] == 1 for key in keys for runner in kept[key]], dtype=float)
    races = Races.of(race_ids)
    won = first / races.sum(first)[races.codes]  # dead heats: 1/k each
    months = np.array([key[0].strftime("%Y-%m") for key in keys])
    by_month = []
    for month in sorted(set(months)):
        chosen = np.isin(race_ids, np.flatnonzero(months == month))
        sub = Races.of(race_ids[chosen])
        by_month.append(
            {
                "month": month,
                "races": sub.n,
                "log_loss": race_log_loss(p[chosen], won[chosen], sub),
                "market_log_loss": race_log_loss(market[chosen], won[chosen], sub),
                "difference": log_loss_difference(p[chosen], market[chosen], won[chosen], sub),
            }
        )
    return {
        "races": races.n,
        "runners": int(p.size),
        "log_loss": race_log_loss(p, won, races),
        "market_log_loss": race_log_loss(market, won, races),
        "difference": log_loss_difference(p, market, won, races),
        "by_month": by_month,
        "calibration": reliability_bins(p, won),
    }
