"""Backtests: a strategy replayed on past races, each with the prediction made before it, settled from the races'
real rapports.

A strategy is data (``Strategy``): which runners it backs (the model's top pick, value bets over an
edge, every runner in an odds band), in which races (disciplines, racecourses, quinté only, source),
with which bet (simple gagnant or placé; couplé gagnant or trio on the model's top two or three; or, with the
``combinations`` selection, the most likely tickets of any combined type, priced by the combination engine:
the top k of each race and / or every one over a probability)
and how much (a flat stake, a fixed share of the bankroll, or fractional Kelly with a cap).

Each race is bet with the prediction published before it (``wagering.services.pre_race``), whatever model is
active now: the one frozen at its off by the live day, at the odds it saw; a race never live (imported history)
walk-forward, with the stored predictions of a version trained *before* it — the version with the latest
``trained_until`` earlier than the race's day that predicted the race. The market baseline learns nothing from
results and qualifies for any day, but only where no trained version does. A version never bets on a race it
could have learnt from; a race with no prediction made before it is skipped, and the result says so.

Settlement (refunds, rapports, final odds, what cannot be settled) is ``predictions.services.settlement``'s,
shared with the metrics and the history.

Everything is numpy over one frame of runners, from a fixed number of queries (runners, rapports and, by the
pre-race rule, the published rows, the versions and their predictions); only staking a share of the bankroll
walks the races in order, because each stake depends on the bankroll the previous races left.

Baselines, in the same run, with the same bet type and staking: the favourite (lowest odds) of
each race the strategy bet, and a random runner (seeded) in the race of each of its bets. Kelly
needs the model's edge, so there a baseline stakes the share of the bankroll the strategy staked.

Modules: ``strategy`` (the parameters), ``frame`` (loading), ``bets`` (selection and staking), ``run`` (the
run and its baselines).
"""

from .run import backtest
from .strategy import (
    BET_TYPES,
    COMBINATIONS,
    COMBINED_TYPES,
    MARKET,
    MODEL_RULES,
    PUBLISHED,
    SELECTIONS,
    STAKINGS,
    WALK_FORWARD,
    Strategy,
)

__all__ = [
    "BET_TYPES",
    "COMBINATIONS",
    "COMBINED_TYPES",
    "MARKET",
    "MODEL_RULES",
    "PUBLISHED",
    "SELECTIONS",
    "STAKINGS",
    "WALK_FORWARD",
    "Strategy",
    "backtest",
]
