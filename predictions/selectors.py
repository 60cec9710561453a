"""Reads of the predictions: race cards, top picks, value bets, metrics and backtests.

Read-only, and each runs a fixed number of queries whatever the number of races: the runners
come in one query (``runner_frame``), the rapports in one more, and the arithmetic is numpy.
Every function takes a model version (an instance or its version string); by default the
active one. With no active version there is nothing to read and the lists are empty.

The odds a value bet is judged on are the market view's: final odds where every runner that
runs in the race has them, else morning odds. For a finished race that means betting at the
final (starting) price, as a Betfair BSP backtest does; for today's races, the morning price.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

import numpy as np
from django.db.models import Q

from courses.models import Race, RaceStatus, RunnerStatus
from courses.selectors import race_get

from .models import ModelStatus, ModelVersion, Prediction
from .services.backtest import Strategy, backtest, empty_summary
from .services.frames import RaceInfo, RunnerFrame, runner_frame, win_dividends
from .services.probability import (
    expected_value,
    kelly_fraction,
    market_probabilities,
    normalise_within_races,
    rank_within_races,
)
from .services.settlement import CENT, cents, commission_percent, returns, settle_win, summarise

VALUE_BET_BANKROLL = Decimal(100)
# A probability of exactly 0 on the winner would make the log loss infinite; floor it.
_P_FLOOR = 1e-15

VersionArg = ModelVersion | str | None


def model_version_resolve(model_version: VersionArg = None) -> ModelVersion | None:
    """The given version, the one named, or the active one (None when no version is active)."""
    if isinstance(model_version, ModelVersion):
        return model_version
    if isinstance(model_version, str):
        return ModelVersion.objects.get(version=model_version)
    return ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()


def _race_fields(race: RaceInfo) -> dict:
    return {
        "race_id": race.race_id,
        "date": race.date,
        "race_code": race.code,
        "race_name": race.name,
        "racecourse": race.racecourse,
        "racecourse_code": race.racecourse_code,
        "start_time": race.start_time,
    }


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def race_prediction_rows(*, race: Race, model_version: VersionArg = None) -> list[dict]:
    """Every runner of ``race`` in saddle order with the version's prediction (None for non-partants)."""
    version = model_version_resolve(model_version)
    frame = runner_frame(Q(race=race), model_version=version, card=True)
    _odds, odds_decimal = frame.market_odds()
    runs = frame.runs
    rows = []
    for i in range(len(frame)):
        predicted = version is not None and runs[i] and not np.isnan(frame.win_probability[i])
        rows.append(
            {
                "runner_id": int(frame.runner_id[i]),
                "saddle_number": int(frame.saddle[i]),
                "horse": frame.horse[i],
                "jockey": frame.jockey[i],
                "trainer": frame.trainer[i],
                "status": frame.status[i],
                "odds": odds_decimal[i],
                "morning_odds": frame.morning_odds_decimal[i],
                "final_odds": frame.final_odds_decimal[i],
                "win_probability": float(frame.win_probability[i]) if predicted else None,
                "place_probability": float(frame.place_probability[i]) if predicted else None,
                "market_probability": _none_if_nan(frame.market_probability[i]) if predicted else None,
                "rank": int(frame.rank[i]) if predicted else None,
                # The strongest reasons, [{feature, label, contribution}]; empty for the market baseline.
                "explanation": (frame.explanation[i] or []) if predicted else [],
                "model_version": version.version if version is not None else None,
            }
        )
    return rows


def race_card(*, day: dt.date, code: str, model_version: VersionArg = None) -> dict:
    """The race at address ``code`` on ``day`` (with ``runner_count``), its runner rows and their model version.

    ValueError for an address that is not one, Race.DoesNotExist (with a message) for no such race.
    """
    race = race_get(day=day, code=code)
    rows = race_prediction_rows(race=race, model_version=model_version)
    return {"race": race, "rows": rows, "model_version": rows[0]["model_version"] if rows else None}


def top_picks(*, day: dt.date, n: int = 3, model_version: VersionArg = None) -> list[dict]:
    """The day's ``n`` strongest selections: each race's top pick, highest win probability first."""
    version = model_version_resolve(model_version)
    if version is None or n <= 0:
        return []
    rows = (
        Prediction.objects.filter(model_version=version, rank=1, runner__race__meeting__date=day)
        .exclude(runner__status=RunnerStatus.NON_PARTANT)
        .exclude(runner__race__status=RaceStatus.CANCELLED)
        .order_by("-win_probability", "runner__race__meeting__number", "runner__race__number")
        .values_list(
            "runner__race_id",
            "runner__race__meeting__number",
            "runner__race__number",
            "runner__race__name",
            "runner__race__start_time",
            "runner__race__meeting__racecourse__name",
            "runner__race__meeting__racecourse__code",
            "runner_id",
            "runner__saddle_number",
            "runner__horse__name",
            "win_probability",
            "place_probability",
            "odds",
        )[:n]
    )
    return [
        {
            "race_id": race_id,
            "date": day,
            "race_code": f"R{reunion}C{number}",
            "race_name": name,
            "racecourse": course,
            "racecourse_code": course_code,
            "start_time": start_time,
            "runner_id": runner_id,
            "saddle_number": saddle,
            "horse": horse,
            "win_probability": win,
            "place_probability": place,
            "odds": odds,
            "model_version": version.version,
        }
        for (
            race_id,
            reunion,
            number,
            name,
            start_time,
            course,
            course_code,
            runner_id,
            saddle,
            horse,
            win,
            place,
            odds,
        ) in rows
    ]


def _value_bets(frame: RunnerFrame, *, min_odds: float, edge: float) -> tuple[np.ndarray, list, np.ndarray]:
    """Rows whose p × odds − 1 > edge at odds >= min_odds, by the market view's odds.

    Returns (row indices, the odds as stored per row, expected value per row).
    """
    odds, odds_decimal = frame.market_odds()
    ev = expected_value(frame.win_probability, odds)
    with np.errstate(invalid="ignore"):
        chosen = frame.runs & np.isfinite(ev) & (odds >= min_odds) & (ev > edge)
    return np.flatnonzero(chosen), odds_decimal, ev


def value_bet_list(
    *,
    day: dt.date,
    min_odds: float = 2.0,
    edge: float = 0.0,
    model_version: VersionArg = None,
    bankroll: Decimal = VALUE_BET_BANKROLL,
) -> list[dict]:
    """The day's runners the version rates above their odds, best expected value first, with a ¼-Kelly stake."""
    version = model_version_resolve(model_version)
    if version is None:
        return []
    frame = runner_frame(Q(race__meeting__date=day), model_version=version)
    index, odds_decimal, ev = _value_bets(frame, min_odds=min_odds, edge=edge)
    kelly = kelly_fraction(frame.win_probability[index], [odds_decimal[i] for i in index])
    bets = [
        {
            **_race_fields(frame.races[int(frame.race_id[i])]),
            "runner_id": int(frame.runner_id[i]),
            "saddle_number": int(frame.saddle[i]),
            "horse": frame.horse[i],
            "odds": odds_decimal[i],
            "win_probability": float(frame.win_probability[i]),
            "expected_value": float(ev[i]),
            "kelly_fraction": float(k),
            "stake": Decimal(f"{k * float(bankroll):.6f}").quantize(CENT, rounding=ROUND_DOWN),
            "model_version": version.version,
        }
        for i, k in zip(index, kelly, strict=True)
    ]
    bets.sort(key=lambda bet: (-bet["expected_value"], bet["race_code"], bet["saddle_number"]))
    return bets


def _score(p: np.ndarray, y: np.ndarray, codes: np.ndarray, saddle: np.ndarray, n_races: int) -> dict:
    """Race log loss, Brier and top-1 of probabilities ``p`` against targets ``y`` (1/k per winner)."""
    log_loss = -np.bincount(codes, weights=y * np.log(np.maximum(p, _P_FLOOR)), minlength=n_races)
    brier = np.bincount(codes, weights=(p - y) ** 2, minlength=n_races)
    top = rank_within_races(p, groups=codes, tiebreak=saddle) == 1
    top1 = np.bincount(codes, weights=np.where(top, y, 0.0), minlength=n_races)
    return {"log_loss": float(log_loss.mean()), "brier": float(brier.mean()), "top1_accuracy": float(top1.mean())}


def _value_bet_roi(frame: RunnerFrame, p: np.ndarray, *, min_odds: float, edge: float, dividends: dict) -> dict:
    """Flat 1-unit value bets by ``p`` on the frame's races, settled as a backtest settles them."""
    odds, _ = frame.market_odds()
    ev = expected_value(p, odds)
    with np.errstate(invalid="ignore"):
        chosen = np.flatnonzero(np.isfinite(ev) & (odds >= min_odds) & (ev > edge))
    races = frame.race_id[chosen].tolist()
    saddles = frame.saddle[chosen].tolist()
    winners = frame.winners_per_race()
    settled = settle_win(
        present=[race in dividends for race in races],
        paid=cents(dividends.get(race, {}).get(saddle, 0) for race, saddle in zip(races, saddles, strict=True)),
        winners=[winners.get(race, 0) for race in races],
        won=frame.position[chosen] == 1,
        price=cents(frame.final_odds_decimal[i] for i in chosen),
        commission=commission_percent(frame.races[race].source for race in races),
        refund=frame.status[chosen] == RunnerStatus.NON_PARTANT,
    )
    stakes = np.full(chosen.size, 100, dtype=np.int64)  # 1 unit, in cents
    ok = settled.ok
    summary = summarise(stakes[ok], returns(stakes, settled)[ok], settled.refunded[ok], frame.race_id[chosen][ok], 0)
    keep = ("bets", "winners", "hit_rate", "staked", "returned", "profit", "roi", "roi_ci95")
    return {name: summary[name] for name in keep}


def metrics_compute(
    *,
    start: dt.date,
    end: dt.date,
    model_version: VersionArg = None,
    min_odds: float = 2.0,
    edge: float = 0.0,
) -> dict:
    """Log loss, Brier, top-1 and value-bet ROI of the version and of the market, on the same finished races.

    A race counts when it is finished, has a recorded winner, the version predicted every
    runner that ran, and every one of them has final odds (the market baseline). Targets:
    y = 1 for the winner; a dead heat between k runners gives each y = 1/k, so its log loss is
    the mean of −ln p over the dead-heaters and the top pick scores 1/k if it is one of them,
    as the split rapport pays.
    """
    version = model_version_resolve(model_version)
    empty = {
        "model_version": version.version if version else None,
        "races": 0,
        "races_skipped": {},
        "uniform_log_loss": None,
        "model": None,
        "market": None,
    }
    if version is None:
        return empty
    window = Q(race__meeting__date__range=(start, end), race__status=RaceStatus.FINISHED)
    frame = runner_frame(window, model_version=version)
    frame = frame.take(frame.runs)
    dividends = win_dividends(window)

    predicted = np.isfinite(frame.win_probability)
    frame = frame.take(np.isin(frame.race_id, np.unique(frame.race_id[predicted])))
    model_p = normalise_within_races(frame.win_probability, frame.race_id)
    market_p = market_probabilities(frame.final_odds, frame.race_id)
    winners = frame.winners_per_race()

    race_ids, codes = np.unique(frame.race_id, return_inverse=True)
    codes = codes.reshape(-1)

    def any_in_race(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=mask, minlength=race_ids.size) > 0

    no_winner = ~any_in_race(frame.position == 1)
    no_prediction = ~no_winner & any_in_race(np.isnan(model_p))
    no_odds = ~no_winner & ~no_prediction & any_in_race(np.isnan(market_p))
    skipped = {
        "no winner recorded": int(no_winner.sum()),
        "runners without a prediction": int(no_prediction.sum()),
        "runners without final odds": int(no_odds.sum()),
    }
    keep_races = race_ids[~(no_winner | no_prediction | no_odds)]
    keep = np.isin(frame.race_id, keep_races)
    frame, model_p, market_p = frame.take(keep), model_p[keep], market_p[keep]
    result = {**empty, "races": int(keep_races.size), "races_skipped": {k: v for k, v in skipped.items() if v}}
    if not keep_races.size:
        return result

    codes = np.unique(frame.race_id, return_inverse=True)[1].reshape(-1)
    n_races = int(keep_races.size)
    k = np.array([winners[r] for r in frame.race_id.tolist()], dtype=float)
    y = np.where(frame.position == 1, 1.0 / k, 0.0)
    uniform = float(np.log(np.bincount(codes, minlength=n_races)).mean())
    result["uniform_log_loss"] = uniform
    for side, p, stored in (("model", model_p, frame.win_probability), ("market", market_p, market_p)):
        scores = _score(p, y, codes, frame.saddle, n_races)
        scores["pseudo_r2"] = 1.0 - scores["log_loss"] / uniform if uniform > 0 else None
        scores["value_bets"] = _value_bet_roi(frame, stored, min_odds=min_odds, edge=edge, dividends=dividends)
        result[side] = scores
    return result


def backtest_run(
    *,
    start: dt.date,
    end: dt.date,
    edge: float = 0.0,
    min_odds: float = 2.0,
    stake: Decimal | int = 1,
    model_version: VersionArg = None,
    bankroll: Decimal | int = VALUE_BET_BANKROLL,
) -> dict:
    """The default strategy: a flat ``stake`` on every value bet (simple gagnant) of the window, in race order.

    Run by the backtest engine with the given (or active) version, never on a race that version
    was trained on. Returns ``bets`` (settled, with the running bankroll), ``unsettled`` (bets on
    races with no result, with the reason) and ``summary``.
    """
    version = model_version_resolve(model_version)
    strategy = Strategy(
        selection="value", edge=edge, min_odds=min_odds, stake=Decimal(stake), bankroll=Decimal(bankroll)
    )
    if version is None:
        return {"model_version": None, "bets": [], "unsettled": [], "summary": empty_summary(strategy)}
    result = backtest(strategy=strategy, start=start, end=end, model_version=version, baselines=False)
    return {key: result[key] for key in ("model_version", "bets", "unsettled", "summary")}


def prediction_page(
    *, day: dt.date, limit: int, offset: int, model_version: VersionArg = None
) -> tuple[list[dict], int, str | None]:
    """One page of the day's predictions, a row per runner in programme order: (rows, total, version)."""
    version = model_version_resolve(model_version)
    if version is None:
        return [], 0, None
    predictions = Prediction.objects.filter(model_version=version, runner__race__meeting__date=day).exclude(
        runner__race__status=RaceStatus.CANCELLED
    )
    total = predictions.count()
    rows = predictions.order_by(
        "runner__race__meeting__number", "runner__race__number", "runner__saddle_number"
    ).values(
        "runner__race_id",
        "runner__race__meeting__number",
        "runner__race__number",
        "runner__race__name",
        "runner__race__start_time",
        "runner__race__source",
        "runner__race__meeting__racecourse__name",
        "runner_id",
        "runner__saddle_number",
        "runner__horse__name",
        "runner__jockey__name",
        "runner__trainer__name",
        "odds",
        "win_probability",
        "place_probability",
        "market_probability",
        "rank",
    )[offset : offset + limit]
    return (
        [
            {
                "race_id": row["runner__race_id"],
                "date": day,
                "race_code": f"R{row['runner__race__meeting__number']}C{row['runner__race__number']}",
                "race_name": row["runner__race__name"],
                "racecourse": row["runner__race__meeting__racecourse__name"],
                "start_time": row["runner__race__start_time"],
                "source": row["runner__race__source"],
                "runner_id": row["runner_id"],
                "saddle_number": row["runner__saddle_number"],
                "horse": row["runner__horse__name"],
                "jockey": row["runner__jockey__name"],
                "trainer": row["runner__trainer__name"],
                "odds": row["odds"],
                "win_probability": row["win_probability"],
                "place_probability": row["place_probability"],
                "market_probability": row["market_probability"],
                "rank": row["rank"],
                "model_version": version.version,
            }
            for row in rows
        ],
        total,
        version.version,
    )
