"""How a bet on a finished race is settled, and how a run of settled bets sums up: the only place that says so.

Backtests, the value-bet ROI of the metrics and the prediction history all settle here, in integer
cents so that nothing is rounded twice (money is rounded down to the cent):

* a non-partant is refunded (a combination with a non-partant in it too, unless the race publishes a "rapport
  spécial" for it: see ``combination_settle``);
* where the race has rapports of the bet type, they decide: the line of the bet's saddle number(s)
  pays its amount per unit, no line pays nothing; dead heats are whatever the rapports say. A combined
  ticket is paid by a line it holds (``combination_paid``): the same horses in the same order for the
  types in order, the line's horses among the ticket's otherwise (a 2sur4 or couplé placé line names 2 of
  the ticket's 2, a bonus 4sur5 line 4 of its 5, a multi en 6 line the first 4 of its 6);
* else a win bet is paid at its final odds, split by the number of dead-heaters (odds / k), and a
  place bet at its final place odds (the last paid place split the same way); Betfair prices then
  lose 5% commission on the net win;
* a bet none of that can settle is unsettled, with its reason, and left out of every total: no result
  yet, or no rapport and no price. The price is needed whether the runner won or lost: settling the
  losers of a race whose winners cannot be settled would count its bets as losses only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from courses.models import Source
from predictions.services.metrics import BOOTSTRAP_DRAWS

CENT = Decimal("0.01")
# Betfair takes a commission on net winnings; pari-mutuel odds and rapports are already net of takeout.
COMMISSION_PERCENT = {Source.BETFAIR_ANZ: 5, Source.BETFAIR_UK_IE: 5}
SETTLED_BY = (
    "rapport",
    "final odds",
    "final odds, less commission",
    "place odds",
    "place odds, less commission",
    "refund: non-partant",
    "rapport spécial: non-partant",
)
NO_RESULT = "no result recorded (no simple gagnant rapport, no winner)"
NO_PLACE_RESULT = "no result recorded (no simple placé rapport, no winner)"
NO_COMBINATION_RESULT = "no result recorded (no rapport yet)"
NO_ODDS = "the race has no rapport and the runner no final odds"
NO_PLACE_ODDS = "the race has no placé rapport and the runner no place odds"
_REFUND = SETTLED_BY.index("refund: non-partant")
_SPECIAL = SETTLED_BY.index("rapport spécial: non-partant")


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

    @property
    def refunded(self) -> np.ndarray:
        return self.ok & (self.kind == _REFUND)

    def take(self, keep: np.ndarray) -> Settled:
        return Settled(**{name: getattr(self, name)[keep] for name in ("num", "den", "kind", "commission", "reason")})


def cents(prices) -> np.ndarray:
    """Decimal amounts (odds, rapports) in whole cents, truncated; −1 where there is none."""
    return np.array([-1 if v is None else int(v * 100) for v in prices], dtype=np.int64)


def commission_percent(sources) -> np.ndarray:
    """The exchange's commission (percent of the net win) per race source."""
    return np.array([COMMISSION_PERCENT.get(source, 0) for source in sources], dtype=np.int64)


def settle_simple(*, win: bool, present, paid, winners, price, collects, share_num, share_den, commission) -> Settled:
    """Simple gagnant or placé bets, one entry per bet: ``present`` the race has rapports of the type,
    ``paid`` the cents its line for the bet's saddle pays (0: none), ``winners`` runners sharing first
    place (0: no result), ``price`` the final (place) odds in cents (−1: none), ``collects`` the runner
    finished in the paid places, ``share_num / share_den`` the stake that stands after a dead heat."""
    present = np.asarray(present, dtype=bool)
    winners = np.asarray(winners, dtype=np.int64)
    price = np.asarray(price, dtype=np.int64)
    commission = np.asarray(commission, dtype=np.int64)
    by_price = ~present & (winners > 0) & (price >= 0)
    num = np.where(present, paid, np.where(by_price & collects, price * share_num, 0)).astype(np.int64)
    den = np.where(present, 100, 100 * share_den).astype(np.int64)
    kind = np.where(present, 0, (1 if win else 3) + (commission > 0)).astype(np.int64)
    reason = np.full(present.size, "", dtype=object)
    reason[~present & (winners == 0)] = NO_RESULT if win else NO_PLACE_RESULT
    reason[~present & (winners > 0) & (price < 0)] = NO_ODDS if win else NO_PLACE_ODDS
    return Settled(num=num, den=den, kind=kind, commission=np.where(by_price, commission, 0), reason=reason)


def combination_paid(ticket, lines, *, ordered: bool):
    """What a combined ticket (saddle numbers, in its order) collects from its race's paying ``lines`` of the bet
    type ((saddles in finishing order, amount) pairs, any unit): the best line it holds, 0 when none (see above)."""
    ticket = tuple(int(s) for s in ticket)
    held = set(ticket)
    paid = [amount for saddles, amount in lines if (tuple(saddles) == ticket if ordered else set(saddles) <= held)]
    return max(paid, default=0)


def combination_settle(*, tickets, scratched, present, lines, special, ordered: bool) -> Settled:
    """Combined tickets, one entry per bet: ``tickets`` their saddle numbers in ticket order, ``scratched`` which of
    them are non-partants, ``present`` the race has rapports of the type, ``lines`` / ``special`` its paying lines and
    rapports spéciaux (``rapports.Rapports``' entries of the bet's race: [] where none).

    A ticket of partants is paid by the best line it holds (``combination_paid``), 0 when none. A ticket with
    non-partants: where the race publishes a rapport spécial (amount above 0) for as many non-partants, the ticket
    is settled by it, as the PMU transforms it: paid when a line names its partants (in order for the types in
    order), lost otherwise; where none is published (no line, or 0: the PMU refunds), its stake is refunded."""
    n = len(tickets)
    num = np.zeros(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int64)
    refund = np.zeros(n, dtype=bool)
    reason = np.full(n, "", dtype=object)
    for i in range(n):
        ticket, out = tuple(int(s) for s in tickets[i]), [bool(x) for x in scratched[i]]
        if not any(out):
            if present[i]:
                num[i] = combination_paid(ticket, lines[i], ordered=ordered)
            else:
                reason[i] = NO_COMBINATION_RESULT
            continue
        partants = tuple(s for s, gone in zip(ticket, out, strict=True) if not gone)
        published = [(names, cents) for names, missing, cents in special[i] if missing == sum(out) and cents > 0]
        if not published:
            refund[i] = True
            continue
        kind[i] = _SPECIAL
        num[i] = max(
            (cents for names, cents in published if (names == partants if ordered else set(names) == set(partants))),
            default=0,
        )
    zeros = np.zeros(n, dtype=np.int64)
    settled = Settled(num=num, den=np.full(n, 100, dtype=np.int64), kind=kind, commission=zeros, reason=reason)
    return settle_refund(settled, refund)


def settle_refund(settled: Settled, refund) -> Settled:
    """A non-partant is refunded whatever the result: the stake comes back."""
    refund = np.asarray(refund, dtype=bool)
    reason = settled.reason.copy()
    reason[refund] = ""
    return Settled(
        num=np.where(refund, 1, settled.num),
        den=np.where(refund, 1, settled.den),
        kind=np.where(refund, _REFUND, settled.kind),
        commission=np.where(refund, 0, settled.commission),
        reason=reason,
    )


def settle_win(*, present, paid, winners, won, price, commission, refund) -> Settled:
    """Simple gagnant bets from plain columns, one entry per bet (see ``settle_simple``; ``won``: finished first,
    ``refund``: a non-partant). For callers without a backtest frame: the metrics and the history."""
    winners = np.asarray(winners, dtype=np.int64)
    settled = settle_simple(
        win=True,
        present=present,
        paid=paid,
        winners=winners,
        price=price,
        collects=np.asarray(won, dtype=bool),
        share_num=np.ones_like(winners),
        share_den=np.maximum(winners, 1),
        commission=commission,
    )
    return settle_refund(settled, refund)


def returns(stakes: np.ndarray, settled: Settled) -> np.ndarray:
    """Cents returned (stake included) for ``stakes`` cents; an unsettled bet returns its stake (no effect)."""
    gross = stakes * settled.num // settled.den
    net_win = gross - stakes
    kept = np.where((settled.commission > 0) & (net_win > 0), net_win * (100 - settled.commission) // 100, net_win)
    return np.where(settled.ok, stakes + kept, stakes)


# -- summary ----------------------------------------------------------------------------------------------


def money(cents: int | np.integer) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def roi_interval(profit, staked, *, draws: int = BOOTSTRAP_DRAWS, seed: int = 0) -> list[float] | None:
    """Bootstrap 95% interval of the ROI from per-race profit and stake, resampling races (fixed seed: the
    same bets, the same interval)."""
    profit, staked = np.asarray(profit, dtype=float), np.asarray(staked, dtype=float)
    if profit.size < 2:
        return None
    rng = np.random.default_rng(seed)
    rois = np.empty(draws)
    block = max(1, 2_000_000 // profit.size)  # keep each block's index matrix small
    for start in range(0, draws, block):
        size = min(block, draws - start)
        picks = rng.integers(0, profit.size, size=(size, profit.size))
        totals = staked[picks].sum(axis=1)
        rois[start : start + size] = profit[picks].sum(axis=1) / np.where(totals > 0, totals, np.nan)
    if np.isnan(rois).all():
        return None
    low, high = np.nanpercentile(rois, [2.5, 97.5])
    return [float(low), float(high)]


def _longest_run(flags: np.ndarray) -> int:
    if not flags.any():
        return 0
    edges = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


def summarise(stakes: np.ndarray, paid: np.ndarray, refunded: np.ndarray, race: np.ndarray, start: int) -> dict:
    """Totals of settled bets in order (cents in, Decimals out): ROI and its interval, drawdown, runs."""
    stood = ~refunded
    staked, returned = int(stakes[stood].sum()), int(paid[stood].sum())
    profit = paid - stakes
    winners = int((stood & (paid > 0)).sum())
    equity = start + np.cumsum(profit)
    peaks = np.maximum.accumulate(np.r_[start, equity])[1:]
    drawdowns = peaks - equity
    worst = int(drawdowns.argmax()) if drawdowns.size else 0
    per_unit = profit[stood] / stakes[stood] if stood.any() else np.zeros(0)
    sharpe = None
    if per_unit.size >= 2 and per_unit.std(ddof=1) > 0:
        sharpe = float(per_unit.mean() / per_unit.std(ddof=1))
    races, codes = np.unique(race[stood], return_inverse=True)
    interval = roi_interval(
        np.bincount(codes, weights=profit[stood], minlength=races.size),
        np.bincount(codes, weights=stakes[stood], minlength=races.size),
    )
    return {
        "bets": int(stakes.size),
        "refunded": int(refunded.sum()),
        "winners": winners,
        "hit_rate": winners / int(stood.sum()) if stood.any() else None,
        "staked": money(staked),
        "returned": money(returned),
        "profit": money(returned - staked),
        "roi": (returned - staked) / staked if staked else None,
        "roi_ci95": interval,
        "max_drawdown": money(drawdowns[worst]) if drawdowns.size else money(0),
        "max_drawdown_pct": float(drawdowns[worst] / peaks[worst]) if drawdowns.size and peaks[worst] > 0 else None,
        # Consecutive bets that returned nothing (refunds neither break nor extend a run).
        "longest_losing_run": _longest_run(paid[stood] == 0),
        "sharpe": sharpe,
        "races": int(np.unique(race).size),
        "start_bankroll": money(start),
        "final_bankroll": money(int(equity[-1]) if equity.size else start),
    }
