"""The rapports of a finished demo race, paid from its pools the way the PMU pays them."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import numpy as np

from courses.importers.payloads import DividendPayload
from courses.models import BetType

from .params import (
    COMBINED_FLATTENING,
    QUINTE_DESORDRE_SHARE,
    QUINTE_ORDRE_SHARE,
    TAKEOUT_COMBINED,
    TAKEOUT_SIMPLE,
)
from .race import SimulatedRace


def rapport(per_euro: float) -> Decimal:
    """A PMU payout per 1 €: rounded down to 10 cents, never below 1.10 €."""
    tenths = max(11, math.floor(per_euro * 10 + 1e-9))
    return Decimal(tenths) / 10


def harville(shares: np.ndarray, order: tuple[int, ...]) -> float:
    """Probability that runners finish first, second, … in ``order`` when each wins with ``shares``."""
    probability, left = 1.0, 1.0
    for index in order:
        probability *= shares[index] / left
        left -= shares[index]
    return probability


def unordered(shares: np.ndarray, runners: tuple[int, ...]) -> float:
    """Probability that ``runners`` fill the first places in any order (Harville)."""
    return sum(harville(shares, order) for order in itertools.permutations(runners))


def race_dividends(race: SimulatedRace) -> tuple[list[DividendPayload], set[int]]:
    """The rapports of the finished race, and the runners the place pool paid."""
    # Dead heaters are listed by saddle number.
    ranked, saddle = sorted(race.ranked, key=lambda i: (race.position[i], i)), lambda i: str(i + 1)
    winners = [i for i in ranked if race.position[i] == 1]
    out: list[DividendPayload] = []
    if len(winners) == 1:
        out.append(DividendPayload(BetType.SIMPLE_GAGNANT, saddle(winners[0]), race.final_odds[winners[0]]))
    else:  # a dead heat: the profit is shared equally between the winners' stakes
        profit = race.net - sum(race.stakes[i] for i in winners)
        for i in winners:
            out.append(
                DividendPayload(BetType.SIMPLE_GAGNANT, saddle(i), rapport(1 + profit / len(winners) / race.stakes[i]))
            )
    placed = ranked[: 3 if race.starters.sum() >= 8 else 2]
    view = np.where(race.starters, race.shares**0.6, 0.0)
    stakes = np.where(race.starters, np.maximum(1.0, np.round(0.7 * race.win_pool * view / view.sum())), 0.0)
    # Placé: the net pool less the placed horses' stakes, in equal parts per placed horse.
    profit = max(0.0, stakes.sum() * (1 - TAKEOUT_SIMPLE) - sum(stakes[i] for i in placed))
    for i in placed:
        out.append(DividendPayload(BetType.SIMPLE_PLACE, saddle(i), rapport(1 + profit / len(placed) / stakes[i])))
    # Combined bets are played more widely (systematic tickets, favourite numbers): a flatter view.
    flat = np.where(race.starters, race.shares**COMBINED_FLATTENING, 0.0)
    flat /= flat.sum()
    for bet, size, share, noise in ((BetType.COUPLE_GAGNANT, 2, 0.8, 0), (BetType.TRIO, 3, 0.5, 1)):
        combo = tuple(ranked[:size])
        pool = race.win_pool * share
        stake = max(1.0, pool * unordered(flat, combo) * race.combo_noise[noise])
        out.append(DividendPayload(bet, "-".join(map(saddle, combo)), rapport((1 - TAKEOUT_COMBINED) * pool / stake)))
    if race.plan.is_quinte:
        # The quinté+ pool also pays the bonus ranks and feeds a jackpot: the ordre and désordre
        # shares below put their rapports in the PMU's usual range. A winner stakes at least a 2 € ticket.
        five, pool = tuple(ranked[:5]), 2.5 * race.win_pool
        in_order = harville(flat, five)
        ordre_stake = max(2.0, pool * in_order * race.combo_noise[2])
        desordre_stake = max(2.0, pool * (unordered(flat, five) - in_order) * race.combo_noise[3])
        ordre = rapport(QUINTE_ORDRE_SHARE * (1 - TAKEOUT_COMBINED) * pool / ordre_stake)
        desordre = min(ordre, rapport(QUINTE_DESORDRE_SHARE * (1 - TAKEOUT_COMBINED) * pool / desordre_stake))
        combination = "-".join(map(saddle, five))
        out.append(DividendPayload(BetType.QUINTE_ORDRE, combination, ordre))
        out.append(DividendPayload(BetType.QUINTE_DESORDRE, combination, desordre))
    return out, set(placed)
