"""Which bets a strategy makes, how each is settled, and what it stakes: numpy over the frame, money in cents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from courses.models import BetType, RaceStatus

from ..probability import places_paid
from ..settlement import NO_RESULT
from .frame import Frame, Rapports
from .strategy import COMMISSION_PERCENT, Progress, Strategy, no_progress

# -- selection --------------------------------------------------------------------------------------------


def _top(frame: Frame, legs: int, races: np.ndarray) -> np.ndarray:
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


def select(frame: Frame, strategy: Strategy, rapports: Rapports, *, skipped: dict) -> np.ndarray:
    """The strategy's bets as a (bets, legs) array of frame rows, in programme order."""
    open_races = frame.race_status != RaceStatus.CANCELLED
    if (~open_races).any():
        skipped["race cancelled"] = int((~open_races).sum())
    if strategy.legs > 1:
        # Couplé and trio only where the source runs the pool: a finished race without a single
        # rapport line of the type never offered it. An unfinished one is bet and stays unsettled.
        finished = frame.per_race(frame.runs & (frame.position == 1)) > 0
        no_pool = open_races & ~rapports.present & (finished | (frame.race_status == RaceStatus.FINISHED))
        if no_pool.any():
            skipped[f"no {strategy.bet_type} rapports (the pool is not offered)"] = int(no_pool.sum())
        open_races &= ~no_pool
    if strategy.selection != "odds_band":
        unpredicted = open_races & (frame.version < 0)
        if unpredicted.any():
            skipped["no prediction made before the race"] = int(unpredicted.sum())

    if strategy.selection == "top_pick":
        legs = _top(frame, strategy.legs, open_races)
        keep = _in_band(frame.odds[legs[:, 0]], strategy.min_odds, strategy.max_odds)
        return legs[keep]
    rows = open_races[frame.race] & (frame.runs | frame.scratched)
    band = _in_band(frame.odds, strategy.lowest_odds, strategy.max_odds) & np.isfinite(frame.odds)
    if strategy.selection == "value":
        with np.errstate(invalid="ignore"):
            value = frame.p * frame.odds - 1.0 > strategy.edge
        rows &= band & value
    else:  # odds_band: every runner in the band; needs no model
        rows &= band & frame.runs
    return np.flatnonzero(rows).reshape(-1, 1)


def favourites(frame: Frame, races: np.ndarray, legs: int) -> np.ndarray:
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


def random_runners(frame: Frame, bets: np.ndarray, legs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
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


# -- settlement -------------------------------------------------------------------------------------------

SETTLED_BY = ("rapport", "final odds", "final odds, less commission", "place odds", "place odds, less commission",
              "refund: non-partant")  # fmt: skip
NO_PLACE_RESULT = "no result recorded (no simple placé rapport, no winner)"
NO_COMBINATION_RESULT = "no result recorded (no rapport yet)"
NO_ODDS = "the race has no rapport and the runner no final odds"
NO_PLACE_ODDS = "the race has no placé rapport and the runner no place odds"


@dataclass
class Settled:
    """Per bet: its return is ``stake × num // den`` cents (``kind`` says what decided it), or a reason."""

    num: np.ndarray
    den: np.ndarray
    kind: np.ndarray  # index into SETTLED_BY
    commission: np.ndarray  # percent of the net win kept by the exchange
    reason: np.ndarray  # "" when settled

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""


def _dead_heat_share(frame: Frame, rows: np.ndarray, paid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of the stake that stands when runners tie for the last paid place."""
    ran = np.flatnonzero(frame.runs & np.isfinite(frame.position))
    keys = frame.race[ran] * 1000 + frame.position[ran].astype(np.int64)
    unique, counts = np.unique(keys, return_counts=True)
    position = np.nan_to_num(frame.position[rows], nan=0).astype(np.int64)
    at = np.searchsorted(unique, frame.race[rows] * 1000 + position)
    sharing = np.where((at < unique.size) & (unique[np.minimum(at, unique.size - 1)] == frame.race[rows] * 1000
                                                     + position), counts[np.minimum(at, unique.size - 1)], 1)  # fmt: skip
    left = paid - position + 1
    return np.maximum(np.minimum(sharing, left), 0), sharing


def settle(frame: Frame, bets: np.ndarray, rapports: Rapports) -> Settled:
    """How each bet of ``bets`` ((bets, legs) frame rows) is settled; no stakes involved yet."""
    n = bets.shape[0]
    first = bets[:, 0] if n else np.zeros(0, dtype=np.int64)
    race = frame.race[first]
    winners = frame.per_race(frame.runs & (frame.position == 1)).astype(np.int64)[race]
    present = rapports.present[race]
    commission = np.array([COMMISSION_PERCENT.get(s, 0) for s in frame.race_source[race]], dtype=np.int64)
    num, den = np.zeros(n, dtype=np.int64), np.full(n, 100, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int64)
    reason = np.full(n, "", dtype=object)
    refund = frame.scratched[bets].any(axis=1) if n else np.zeros(0, dtype=bool)

    if rapports.bet_type in (BetType.COUPLE_GAGNANT, BetType.TRIO):
        for i in np.flatnonzero(present).tolist():
            num[i] = rapports.combination.get((int(race[i]), frozenset(frame.saddle[bets[i]].tolist())), 0)
        reason[~present] = NO_COMBINATION_RESULT
    else:
        win = rapports.bet_type == BetType.SIMPLE_GAGNANT
        saddle = frame.saddle[first]
        paid = np.array([rapports.simple.get((r, s), 0) for r, s in zip(race.tolist(), saddle.tolist(), strict=True)],
                        dtype=np.int64)  # fmt: skip
        price = frame.final_cents[first] if win else frame.place_cents[first]
        by_price = ~present & (winners > 0) & (price >= 0)
        if win:
            collects = frame.position[first] == 1
            share_num, share_den = np.ones(n, dtype=np.int64), np.maximum(winners, 1)
        else:
            field_size = frame.per_race(frame.runs).astype(np.int64)[race]
            places = np.asarray(places_paid(field_size), dtype=np.int64).reshape(-1)
            share_num, share_den = _dead_heat_share(frame, first, places)
            with np.errstate(invalid="ignore"):
                by_position = frame.position[first] <= places
            known = np.isfinite(frame.placed[first])
            collects = np.where(known, frame.placed[first] == 1, by_position)
            # The source's own "placed" flag knows its places paid; no dead-heat split can be derived.
            share_num, share_den = np.where(known, 1, share_num), np.where(known, 1, share_den)
        num = np.where(present, paid, np.where(by_price & collects, price * share_num, 0))
        den = np.where(present, 100, 100 * share_den)
        kind = np.where(present, 0, np.where(win, 1, 3) + (commission > 0))
        reason[~present & (winners == 0)] = NO_RESULT if win else NO_PLACE_RESULT
        reason[~present & (winners > 0) & (price < 0)] = NO_ODDS if win else NO_PLACE_ODDS
        commission = np.where(by_price, commission, 0)
    if rapports.bet_type in (BetType.COUPLE_GAGNANT, BetType.TRIO):
        commission = np.zeros(n, dtype=np.int64)
    # A non-partant is refunded whatever the result: the stake comes back.
    num, den = np.where(refund, 1, num), np.where(refund, 1, den)
    kind = np.where(refund, SETTLED_BY.index("refund: non-partant"), kind)
    reason[refund] = ""
    return Settled(num=num, den=den, kind=kind, commission=np.where(refund, 0, commission), reason=reason)


def returns(stakes: np.ndarray, settled: Settled) -> np.ndarray:
    """Cents returned (stake included) for ``stakes`` cents; an unsettled bet returns its stake (no effect)."""
    gross = stakes * settled.num // settled.den
    net_win = gross - stakes
    kept = np.where((settled.commission > 0) & (net_win > 0), net_win * (100 - settled.commission) // 100, net_win)
    return np.where(settled.ok, stakes + kept, stakes)


# -- staking ----------------------------------------------------------------------------------------------


def cents_of(amount: Decimal) -> int:
    return int(amount * 100)


def stakes_place(frame: Frame, bets: np.ndarray, settled: Settled, strategy: Strategy,
                 fractions: np.ndarray | None, progress: Progress = no_progress, span: tuple[int, int] = (0, 0)
                 ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
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
