"""A backtest run: the strategy's bets staked and settled, summarised, and compared with two baselines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from courses.models import BetType
from predictions.models import ModelVersion
from predictions.services.predict import place_exponents
from predictions.services.versions import market_baseline

from ..rapports import Rapports, rapports_load
from ..settlement import SETTLED_BY, Settled, money, summarise
from ..value import kelly_fraction
from .bets import cents_of, favourites, random_runners, select, select_combinations, stakes_place
from .frame import BacktestFrame, backtest_frame_load, pre_race_attach, race_filter
from .settle import settle
from .strategy import COMBINATIONS, MARKET, MODEL_RULES, PUBLISHED, Progress, Strategy, no_progress

# -- the run ----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One staked, settled run of bets (the strategy's or a baseline's)."""

    bets: np.ndarray
    settled: Settled
    stakes: np.ndarray
    paid: np.ndarray
    probability: np.ndarray | None = None  # combinations: each ticket's probability


def _staked_run(
    frame: BacktestFrame,
    bets: np.ndarray,
    rapports: Rapports,
    strategy: Strategy,
    fractions,
    progress: Progress = no_progress,
    span: tuple[int, int] = (0, 0),
    probability: np.ndarray | None = None,
) -> Run:
    settled = settle(frame, bets, rapports)
    stakes, paid = stakes_place(frame, bets, settled, strategy, fractions, progress, span)
    keep = stakes > 0
    return Run(
        bets=bets[keep],
        settled=settled.take(keep),
        stakes=stakes[keep],
        paid=paid[keep],
        probability=probability[keep] if probability is not None else None,
    )


def _run_summary(frame: BacktestFrame, run: Run, strategy: Strategy) -> dict:
    ok = run.settled.ok
    refunded = run.settled.refunded[ok]
    race = frame.race[run.bets[:, 0]]
    summary = summarise(run.stakes[ok], run.paid[ok], refunded, race[ok], cents_of(strategy.bankroll))
    summary["unsettled_bets"] = int((~ok).sum())
    summary["unsettled_races"] = int(np.unique(race[~ok]).size)
    return summary


def _kelly(frame: BacktestFrame, bets: np.ndarray, strategy: Strategy) -> np.ndarray:
    rows = bets[:, 0]
    return np.asarray(kelly_fraction(frame.p[rows], frame.odds[rows], fraction=strategy.share, cap=strategy.cap))


def _baseline_fractions(
    frame: BacktestFrame, run: Run, strategy: Strategy, bets: np.ndarray, mirrored: np.ndarray | None
) -> np.ndarray | None:
    """Kelly needs the model's edge, which a baseline has not: it stakes the share of its bankroll the
    strategy staked (bet for bet for the random baseline, the race's total for the favourite's)."""
    if strategy.staking != "kelly" or not run.stakes.size:
        return None
    share = run.stakes / np.maximum(_bankroll_before(frame, run, strategy), 1)
    if mirrored is not None:
        return share[mirrored]
    per_race = np.bincount(frame.race[run.bets[:, 0]], weights=share, minlength=frame.n_races)
    return per_race[frame.race[bets[:, 0]]]


def _bankroll_before(frame: BacktestFrame, run: Run, strategy: Strategy) -> np.ndarray:
    """The bankroll each bet was staked from: the one before its race."""
    race = frame.race[run.bets[:, 0]]
    profit = np.where(run.settled.ok, run.paid - run.stakes, 0)
    after = cents_of(strategy.bankroll) + np.cumsum(profit)
    before_bet = np.r_[cents_of(strategy.bankroll), after[:-1]]
    first = np.r_[True, race[1:] != race[:-1]] if race.size else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(race.size), 0)) if race.size else race
    return before_bet[group_start]


def _bet_rows(frame: BacktestFrame, run: Run, strategy: Strategy, *, settled: bool) -> list[dict]:
    """The bets as dicts, race details beside them (settled ones with their return and bankroll)."""
    ok = run.settled.ok
    profit = np.where(ok, run.paid - run.stakes, 0)
    bankroll = cents_of(strategy.bankroll) + np.cumsum(profit)
    win = strategy.bet_type == BetType.SIMPLE_GAGNANT
    single = strategy.legs == 1
    priced = run.probability is not None
    rows = []
    for i in np.flatnonzero(ok if settled else ~ok).tolist():
        legs = run.bets[i]
        first = int(legs[0])
        race = int(frame.race[first])
        version = int(frame.version[race])
        # A combination's probability is the ticket's own (top_pick's couplé and trio have none).
        p = run.probability[i] if priced else frame.p[first] if win else frame.place_p[first]
        odds = frame.odds_decimal[first] if win else frame.place_odds_decimal[first] if single else None
        row = {
            "date": frame.race_date[race],
            "race_id": int(frame.race_id[race]),
            "race_code": frame.race_code[race],
            "racecourse": frame.racecourse[race],
            "bet_type": strategy.bet_type,
            "selection": "-".join(str(int(frame.saddle[j])) for j in legs),
            "saddle_number": int(frame.saddle[first]),
            "horse": " / ".join(frame.horse[int(j)] for j in legs),
            "odds": odds,
            "probability": float(p) if (single or priced) and np.isfinite(p) else None,
            "expected_value": float(frame.p[first] * frame.odds[first] - 1)
            if win and np.isfinite(frame.p[first] * frame.odds[first])
            else None,
            "stake": money(run.stakes[i]),
            "model_version": frame.versions[version] if version >= 0 else None,
        }
        if settled:
            row.update(
                {
                    "return": money(run.paid[i]),
                    "profit": money(run.paid[i] - run.stakes[i]),
                    "bankroll": money(bankroll[i]),
                    "settled_by": SETTLED_BY[int(run.settled.kind[i])],
                }
            )
        else:
            row["reason"] = run.settled.reason[i]
        rows.append(row)
    return rows


def backtest(
    *,
    strategy: Strategy,
    start: dt.date,
    end: dt.date,
    model_version: ModelVersion | None = None,
    baselines: bool = True,
    progress: Progress | None = None,
) -> dict:
    """Replay ``strategy`` on the races of ``start``..``end`` and settle every bet.

    With ``model_version`` the races are bet with that one version's predictions (none on a race it was
    trained on); else as ``strategy.model`` says: ``published`` (each race with the prediction published
    before it, else the walk-forward one: ``pre_race``), ``walk_forward`` (the walk-forward rule alone),
    ``market`` (the market baseline) or a version's name. Returns ``bets``, ``unsettled`` (with reasons),
    ``summary``, ``baselines`` (favourite and random, same bet type and staking), ``equity_curve``, ``skipped``
    (reason: count), ``versions`` (races bet per version) and ``basis`` (races bet per basis of their prediction).
    """
    report = progress or no_progress
    skipped: dict[str, int] = {}
    q = race_filter(strategy, start, end)
    if model_version is None and strategy.model not in MODEL_RULES and strategy.selection != "odds_band":
        model_version = _named_version(strategy.model)
    if strategy.selection == "odds_band" or model_version is not None:
        frame = backtest_frame_load(q, model_version=model_version if strategy.selection != "odds_band" else None)
    else:
        frame = backtest_frame_load(q)
        report(20)
        pre_race_attach(
            frame, race_filter(strategy, start, end, prefix="runner__"), published=strategy.model == PUBLISHED
        )
    rapports = rapports_load(
        frame.race_id, q, strategy.bet_type, picks=strategy.legs if strategy.bet_type == BetType.MULTI else None
    )
    report(40)

    probability = None
    if strategy.selection == COMBINATIONS:
        bets, probability = select_combinations(frame, strategy, rapports, _exponents(frame), skipped=skipped)
    else:
        bets = select(frame, strategy, rapports, skipped=skipped)
    fractions = _kelly(frame, bets, strategy) if strategy.staking == "kelly" else None
    if fractions is not None and (fractions <= 0).any():
        skipped["Kelly stakes nothing (no edge at the odds)"] = int((fractions <= 0).sum())
    report(50)
    run = _staked_run(frame, bets, rapports, strategy, fractions, report, (50, 80), probability)
    report(80)
    versions, basis = frame.judged_by(np.unique(frame.race[run.bets[:, 0]]))
    result = {
        "model_version": model_version.version if model_version is not None else strategy.model,
        "strategy": strategy.as_params(),
        "window": {"start": start, "end": end},
        "bets": _bet_rows(frame, run, strategy, settled=True),
        "unsettled": _bet_rows(frame, run, strategy, settled=False),
        "summary": _run_summary(frame, run, strategy),
        "skipped": skipped,
        "versions": versions,
        "basis": basis,
    }
    result["equity_curve"] = [{"date": bet["date"], "bankroll": bet["bankroll"]} for bet in result["bets"]]
    if baselines:
        result["baselines"] = _baselines(frame, run, rapports, strategy)
    report(90)
    return result


def _exponents(frame: BacktestFrame) -> dict[int, tuple[float, float]]:
    """The Harville exponents (γ, δ) of each version the frame's races are bet with, by index (one query)."""
    versions = ModelVersion.objects.filter(version__in=frame.versions).only("version", "kind", "params")
    by_name = {version.version: place_exponents(version) for version in versions}
    return {i: by_name[name] for i, name in enumerate(frame.versions) if name in by_name}


def _named_version(name: str) -> ModelVersion:
    return market_baseline() if name == MARKET else ModelVersion.objects.get(version=name)


def _baselines(frame: BacktestFrame, run: Run, rapports: Rapports, strategy: Strategy) -> dict:
    """The favourite of every race the strategy bet, and as many random runners in the same races."""
    races = np.unique(frame.race[run.bets[:, 0]]) if run.bets.size else np.zeros(0, dtype=np.int64)
    favourite = favourites(frame, races, strategy.legs)
    random, drawn = random_runners(frame, run.bets, strategy.legs, strategy.seed)
    out = {}
    for name, bets, mirrored in (("favourite", favourite, None), ("random", random, drawn)):
        fractions = _baseline_fractions(frame, run, strategy, bets, mirrored)
        baseline = _staked_run(frame, bets, rapports, strategy, fractions)
        out[name] = _run_summary(frame, baseline, strategy)
    out["favourite"]["description"] = "the lowest odds of each race the strategy bet"
    out["random"]["description"] = f"a random runner (seed {strategy.seed}) in the race of each strategy bet"
    return out
