"""Which bets a strategy makes and what it stakes: numpy over the frame, money in cents (settled by ``settlement``)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from courses.models import RaceStatus
from predictions.services import combinations as engine

from ..pre_race import NO_PREDICTION, TRAINED_ON
from ..rapports import Rapports
from ..settlement import Settled, returns
from ..value import value_bet_mask
from .frame import BacktestFrame
from .strategy import Progress, Strategy, no_progress

# -- selection --------------------------------------------------------------------------------------------


def _top(frame: BacktestFrame, legs: int, races: np.ndarray) -> np.ndarray:
    """(bets, legs) rows: the model's top ``legs`` runners of each race allowed by ``races`` (rank order)."""
    candidates = np.flatnonzero((frame.rank >= 1) & (frame.rank <= legs) & races[frame.race])
    order = np.lexsort((frame.rank[candidates], frame.race[candidates]))
    candidates = candidates[order]
    counts = np.bincount(frame.race[candidates], minlength=frame.n_races)
    complete = counts[frame.race[candidates]] == legs
    return candidates[complete].reshape(-1, legs)


def _in_band(odds: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        ok = np.ones(odds.size, dtype=bool)
        if low is not None:
            ok &= odds >= low
        if high is not None:
            ok &= odds <= high
    return ok


def _open_races(frame: BacktestFrame, strategy: Strategy, rapports: Rapports, *, skipped: dict) -> np.ndarray:
    """Per race: may the strategy bet it (not cancelled; a combined bet's pool offered; a prediction to go by)."""
    open_races = frame.race_status != RaceStatus.CANCELLED
    if (~open_races).any():
        skipped["race cancelled"] = int((~open_races).sum())
    if strategy.legs > 1:
        # Combined bets only where the source runs the pool: a finished race without a single
        # rapport line of the type never offered it. An unfinished one is bet and stays unsettled.
        finished = frame.per_race(frame.runs & (frame.position == 1)) > 0
        no_pool = open_races & ~rapports.present & (finished | (frame.race_status == RaceStatus.FINISHED))
        if no_pool.any():
            skipped[f"no {strategy.bet_type} rapports (the pool is not offered)"] = int(no_pool.sum())
        open_races &= ~no_pool
    if strategy.selection != "odds_band":
        unpredicted = open_races & (frame.version < 0)
        if unpredicted.any():
            skipped[NO_PREDICTION] = int(unpredicted.sum())
        if (unpredicted & frame.trained_on).any():
            skipped[TRAINED_ON] = int((unpredicted & frame.trained_on).sum())
        open_races &= ~unpredicted
    return open_races


def select(frame: BacktestFrame, strategy: Strategy, rapports: Rapports, *, skipped: dict) -> np.ndarray:
    """The strategy's bets as a (bets, legs) array of frame rows, in programme order (not ``combinations``)."""
    open_races = _open_races(frame, strategy, rapports, skipped=skipped)
    if strategy.selection == "top_pick":
        legs = _top(frame, strategy.legs, open_races)
        keep = _in_band(frame.odds[legs[:, 0]], strategy.min_odds, strategy.max_odds)
        return legs[keep]
    rows = open_races[frame.race] & (frame.runs | frame.scratched)
    if strategy.selection == "value":
        # The one value-bet rule (edge, lowest odds); max_odds only narrows it.
        value = value_bet_mask(frame.p, frame.odds, edge=strategy.edge, min_odds=strategy.lowest_odds)
        rows &= value & _in_band(frame.odds, None, strategy.max_odds)
    else:  # odds_band: every runner in the band; needs no model
        rows &= _in_band(frame.odds, strategy.lowest_odds, strategy.max_odds) & np.isfinite(frame.odds) & frame.runs
    return np.flatnonzero(rows).reshape(-1, 1)


def select_combinations(
    frame: BacktestFrame,
    strategy: Strategy,
    rapports: Rapports,
    exponents: dict[int, tuple[float, float]],
    *,
    skipped: dict,
) -> tuple[np.ndarray, np.ndarray]:
    """``combinations``: the most likely tickets of the strategy's combined bet type in each race, as (bets, legs)
    frame rows in ticket order and their probabilities, in programme order then most likely first.

    A race's tickets are priced by the combination engine on its prediction's win probabilities, renormalised over
    the runners that prediction priced (a horse scratched after it is still in it: its tickets are then refunded
    or paid the rapport spécial, as the punter's would be), with the Harville exponents of the version that made it
    (``exponents``: version index -> (γ, δ)). The top ``combination_top_k`` tickets, and of them (or of the first
    ``MAX_COMBINATION_TICKETS``) those of probability ``combination_min_probability`` or more."""
    shape = engine.shape_for(strategy.bet_type, picks=strategy.legs)
    open_races = _open_races(frame, strategy, rapports, skipped=skipped)
    rows = np.flatnonzero(np.isfinite(frame.p) & (frame.runs | frame.scratched) & open_races[frame.race])
    race = frame.race[rows]
    bounds = np.flatnonzero(np.r_[True, race[1:] != race[:-1], True]) if rows.size else np.array([0])
    tickets: list[np.ndarray] = []
    probabilities: list[float] = []
    small = unlikely = 0
    threshold = strategy.combination_min_probability
    for g in range(bounds.size - 1):
        field = rows[bounds[g] : bounds[g + 1]]
        r = int(frame.race[field[0]])
        # A pool its rapports show ran whatever its field; else the smallest field the PMU offers the type in.
        if field.size < (shape.picks if rapports.present[r] else max(shape.picks, shape.min_runners)):
            small += 1
            continue
        win = frame.p[field] / frame.p[field].sum()
        gamma, delta = exponents.get(int(frame.version[r]), (1.0, 1.0))
        top = engine.combinations_top(
            win, bet_type=shape.code, picks=shape.picks, limit=strategy.tickets_per_race, gamma=gamma, delta=delta
        )
        kept = [c for c in top if threshold is None or c.probability >= threshold]
        if not kept:
            unlikely += 1
        for combination in kept:
            tickets.append(field[list(combination.runners)])
            probabilities.append(float(combination.probability))
    if small:
        skipped[f"the field is too small for {strategy.bet_type}"] = small
    if unlikely:
        skipped[f"no {strategy.bet_type} ticket reaches the minimum probability"] = unlikely
    if not tickets:
        return np.zeros((0, shape.picks), dtype=np.int64), np.zeros(0)
    return np.vstack(tickets).astype(np.int64), np.asarray(probabilities)


def favourites(frame: BacktestFrame, races: np.ndarray, legs: int) -> np.ndarray:
    """(bets, legs): the ``legs`` lowest-odds runners of each race in ``races`` (ties: lower saddle)."""
    wanted = np.zeros(frame.n_races, dtype=bool)
    wanted[races] = True
    rows = np.flatnonzero(wanted[frame.race] & frame.runs & np.isfinite(frame.odds))
    order = np.lexsort((frame.saddle[rows], frame.odds[rows], frame.race[rows]))
    rows = rows[order]
    race = frame.race[rows]
    first = np.searchsorted(race, race, side="left")
    place = np.arange(rows.size) - first
    rows, race = rows[place < legs], race[place < legs]
    complete = np.bincount(race, minlength=frame.n_races)[race] == legs
    return rows[complete].reshape(-1, legs)


def random_runners(frame: BacktestFrame, bets: np.ndarray, legs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(bets, legs): for each bet's race, ``legs`` distinct runners drawn at random (seeded); and
    which of ``bets`` got one (a race with fewer runners than legs gets none)."""
    rng = np.random.default_rng(seed)
    runs = np.flatnonzero(frame.runs)
    race = frame.race[runs]
    start = np.searchsorted(race, np.arange(frame.n_races), side="left")
    count = np.bincount(race, minlength=frame.n_races)
    races = frame.race[bets[:, 0]]
    enough = count[races] >= legs
    races = races[enough]
    if legs == 1:
        pick = (rng.random(races.size) * count[races]).astype(np.int64)
        return runs[start[races] + pick].reshape(-1, 1), enough
    out = np.empty((races.size, legs), dtype=np.int64)
    for i, r in enumerate(races.tolist()):
        out[i] = runs[start[r] + rng.choice(count[r], size=legs, replace=False)]
    return out, enough


# -- staking ----------------------------------------------------------------------------------------------


def cents_of(amount: Decimal) -> int:
    return int(amount * 100)


def stakes_place(
    frame: BacktestFrame,
    bets: np.ndarray,
    settled: Settled,
    strategy: Strategy,
    fractions: np.ndarray | None,
    progress: Progress = no_progress,
    span: tuple[int, int] = (0, 0),
) -> tuple[np.ndarray, np.ndarray]:
    """(stakes, returns) in cents per bet, in order. Flat stakes are vectorised; a share of the bankroll
    is staked race by race on the bankroll the previous races left (bets of one race share it)."""
    n = bets.shape[0]
    start = cents_of(strategy.bankroll)
    if strategy.staking == "flat":
        stakes = np.full(n, cents_of(strategy.stake), dtype=np.int64)
        return stakes, returns(stakes, settled)
    share = fractions if fractions is not None else np.full(n, strategy.share)
    stakes = np.zeros(n, dtype=np.int64)
    paid = np.zeros(n, dtype=np.int64)
    race = frame.race[bets[:, 0]] if n else np.zeros(0, dtype=np.int64)
    bounds = np.flatnonzero(np.r_[True, race[1:] != race[:-1], True]) if n else np.array([0])
    num, den, ok = settled.num.tolist(), settled.den.tolist(), settled.ok.tolist()
    fee = settled.commission.tolist()
    low, high = span
    step = max(1, (bounds.size - 1) // 10)
    bankroll = start
    for g in range(bounds.size - 1):
        a, b = int(bounds[g]), int(bounds[g + 1])
        if bankroll <= 0:
            break  # ruined: no further bets
        # Floored to the cent; the epsilon keeps 0.29 × 100 from flooring to 28.
        wanted = [max(0, int(share[j] * bankroll + 1e-6)) for j in range(a, b)]
        total = sum(wanted)
        if total > bankroll:  # several bets in one race never stake more than the bankroll
            wanted = [w * bankroll // total for w in wanted]
        for j, s in zip(range(a, b), wanted, strict=True):
            stakes[j] = s
            if not ok[j]:
                paid[j] = s
                continue
            gross = s * num[j] // den[j]
            win = gross - s
            if fee[j] and win > 0:
                win = win * (100 - fee[j]) // 100
            paid[j] = s + win
        bankroll += int(paid[a:b].sum() - stakes[a:b].sum())
        if high > low and g % step == step - 1:
            progress(low + (high - low) * (g + 1) // (bounds.size - 1))
    return stakes, paid
