"""Beside the public track record: a closed day's results (per race, its status, the arrival and every rapport, the
rapports reader's lines, once known), and how the record's frozen lines did against the market."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Q

from courses.models import SYNTHETIC_SOURCES, Race, RaceStatus, Runner, RunnerStatus, race_code
from predictions.models import RecordChain, TrackRecordDay, TrackRecordLine
from predictions.services.metrics import log_loss_difference, race_log_loss, reliability_bins
from predictions.services.races import Races

from .rapports import race_rapports, win_dividends
from .settlement import money, returns, roi_interval, settle_win
from .value import value_bet_mask


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


def _record_lines(chain: str) -> list[tuple]:
    """The chain's frozen lines, parsed: (day, (racecourse, race code), saddle, win probability, market probability
    or None, odds shown or None)."""
    rows = []
    for day, text in TrackRecordLine.objects.filter(day__chain=chain).values_list("day__day", "text").iterator():
        line = json.loads(text)
        market, odds = line["market_probability"], line["odds"]
        rows.append(
            (
                day,
                (line["racecourse"], line["race"]),
                line["saddle"],
                float(line["win_probability"]),
                None if market is None else float(market),
                None if odds is None else Decimal(odds),
            )
        )
    return rows


@dataclass(frozen=True)
class _Outcomes:
    """What became of the record's races (its chain's races only, never the other chain's of the same code):
    per (day, (racecourse, race code), saddle) the position and whether it ran; per race the simple gagnant
    rapports by saddle (None: the race has no such rapport)."""

    runners: dict[tuple, tuple[int | None, bool]]
    rapports: dict[tuple, dict[int, Decimal] | None]


def _outcomes(chain: str, days: list) -> _Outcomes:
    synthetic = Q(source__in=SYNTHETIC_SOURCES)
    races = Q(meeting__date__in=days, status=RaceStatus.FINISHED) & (
        synthetic if chain == RecordChain.DEMO else ~synthetic
    )
    runners = {}
    code_of = {}
    for runner in (
        Runner.objects.filter(race__in=Race.objects.filter(races))
        .select_related("race__meeting__racecourse")
        .only(
            "saddle_number",
            "position",
            "status",
            "race__number",
            "race__meeting__number",
            "race__meeting__date",
            "race__meeting__racecourse__code",
        )
    ):
        race = runner.race
        key = (race.meeting.date, (race.meeting.racecourse.code, race_code(race.meeting.number, race.number)))
        code_of[race.pk] = key
        runners[(*key, runner.saddle_number)] = (runner.position, runner.status != RunnerStatus.NON_PARTANT)
    paid = win_dividends(Q(race_id__in=list(code_of)))
    rapports = {key: paid.get(race_id) for race_id, key in code_of.items()}
    return _Outcomes(runners, rapports)


def record_performance(*, chain: str = RecordChain.REAL) -> dict:
    """How the record's frozen lines did, from those lines alone and the arrivals: race log loss of the published
    win probability against the market's at the same moment (``market_probability`` of the same line), overall and
    by month with bootstrap 95% intervals, the calibration of the published probabilities, and the value bets the
    lines held (``value_bet_mask`` on the published probability and the odds shown) with their settled profit.
    A race counts for the log loss when it finished with a winner and every line of it carries the market's
    probability."""
    rows = _record_lines(chain)
    if not rows:
        return {"chain": chain, "races": 0, "value_bets": record_value_bets(rows, None)}
    days = sorted({row[0] for row in rows})
    outcomes = _outcomes(chain, days)
    positions = {key: position for key, (position, _) in outcomes.runners.items()}
    performance = {"chain": chain, **_log_loss(rows, positions)}
    performance["value_bets"] = record_value_bets(rows, outcomes)
    return performance


def _log_loss(rows: list[tuple], positions: dict) -> dict:
    by_race: dict[tuple, list] = {}
    for day, code, saddle, p, market, _ in rows:
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


# The record's value bets are judged at level stakes: 1 € on each.
RECORD_STAKE_CENTS = 100


def record_value_bets(rows: list[tuple], outcomes: _Outcomes | None) -> dict:
    """The value bets of the frozen lines (the product's rule, ``value_bet_mask``, on the published probability and
    the odds shown), 1 € each, settled once their race finished: at the odds shown (what the line promised) and at
    the rapports (what the PMU paid; a race without simple gagnant rapports is left out of that figure). A
    non-partant is refunded. By month, each with its ROI and bootstrap 95% interval over races: the good months
    and the bad ones."""
    p = np.array([row[3] for row in rows], dtype=float)
    odds = np.array([np.nan if row[5] is None else float(row[5]) for row in rows], dtype=float)
    chosen = [row for row, keep in zip(rows, value_bet_mask(p, odds), strict=True) if keep]
    winners: dict[tuple, int] = {}
    for (day, code, _), (position, _) in (outcomes.runners if outcomes else {}).items():
        winners[(day, code)] = winners.get((day, code), 0) + (position == 1)
    bets = []  # _Bet per settled value bet, in the lines' order
    for day, code, saddle, _, _, shown in chosen:
        outcome = outcomes.runners.get((day, code, saddle)) if outcomes else None
        if outcome is None:  # its race not finished (or abandoned): not settled
            continue
        position, ran = outcome
        rapports = outcomes.rapports.get((day, code))
        settled = settle_win(
            present=[False, rapports is not None],
            paid=[0, int((rapports or {}).get(saddle, 0) * 100)],
            winners=[winners[(day, code)]] * 2,
            won=[position == 1] * 2,
            price=[int(shown * 100), -1],
            commission=[0, 0],
            refund=[not ran] * 2,
        )
        stakes = np.full(2, RECORD_STAKE_CENTS, dtype=np.int64)
        at_odds, at_rapports = (returns(stakes, settled) - stakes).tolist()
        bets.append(
            _Bet(
                month=day.strftime("%Y-%m"),
                race=(day, code),
                refunded=not ran,
                at_odds=at_odds if settled.ok[0] else None,
                at_rapports=at_rapports if settled.ok[1] and rapports is not None else None,
            )
        )
    by_month = [
        {"month": month, **_summaries([bet for bet in bets if bet.month == month])}
        for month in sorted({bet.month for bet in bets})
    ]
    return {
        "bets": len(chosen),
        "settled": len(bets),
        "stake": str(money(RECORD_STAKE_CENTS)),
        **_summaries(bets),
        "by_month": by_month,
    }


@dataclass(frozen=True)
class _Bet:
    month: str
    race: tuple
    refunded: bool
    at_odds: int | None  # profit in cents, None when it could not be settled that way
    at_rapports: int | None


def _summaries(bets: list[_Bet]) -> dict:
    return {
        "at_odds": _money_summary([(bet, bet.at_odds) for bet in bets if bet.at_odds is not None]),
        "at_rapports": _money_summary([(bet, bet.at_rapports) for bet in bets if bet.at_rapports is not None]),
    }


def _money_summary(bets: list[tuple[_Bet, int]]) -> dict:
    """Settled bets and their profit (cents) summed: staked, profit, ROI and its bootstrap 95% interval over races
    (``roi_interval``); a refund stakes nothing."""
    stood = [(bet, profit) for bet, profit in bets if not bet.refunded]
    staked = RECORD_STAKE_CENTS * len(stood)
    profit = sum(profit for _, profit in bets)
    races = sorted({bet.race for bet, _ in stood})
    index = {race: i for i, race in enumerate(races)}
    race_profit, race_staked = np.zeros(len(races)), np.zeros(len(races))
    for bet, cents in stood:
        race_profit[index[bet.race]] += cents
        race_staked[index[bet.race]] += RECORD_STAKE_CENTS
    return {
        "bets": len(bets),
        "staked": str(money(staked)),
        "profit": str(money(profit)),
        "roi": profit / staked if staked else None,
        "roi_ci95": roi_interval(race_profit, race_staked) if staked else None,
    }
