"""A backtest's bets settled by the one settlement (``wagering.services.settlement``): the frame's columns in,
how each bet is settled out (no stakes yet)."""

from __future__ import annotations

import numpy as np

from courses.models import BetType
from predictions.services.combinations import SHAPES
from predictions.services.probability import places_paid

from ..rapports import Rapports
from ..settlement import Settled, combination_settle, commission_percent, settle_refund, settle_simple, settle_win
from .frame import BacktestFrame


def _dead_heat_share(frame: BacktestFrame, rows: np.ndarray, paid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of the stake that stands when runners tie for the last paid place."""
    ran = np.flatnonzero(frame.runs & np.isfinite(frame.position))
    keys = frame.race[ran] * 1000 + frame.position[ran].astype(np.int64)
    unique, counts = np.unique(keys, return_counts=True)
    position = np.nan_to_num(frame.position[rows], nan=0).astype(np.int64)
    at = np.searchsorted(unique, frame.race[rows] * 1000 + position)
    sharing = np.where(
        (at < unique.size) & (unique[np.minimum(at, unique.size - 1)] == frame.race[rows] * 1000 + position),
        counts[np.minimum(at, unique.size - 1)],
        1,
    )
    left = paid - position + 1
    return np.maximum(np.minimum(sharing, left), 0), sharing


def settle(frame: BacktestFrame, bets: np.ndarray, rapports: Rapports) -> Settled:
    """How each bet of ``bets`` ((bets, legs) rows of a backtest frame) is settled; no stakes involved yet."""
    n = bets.shape[0]
    first = bets[:, 0] if n else np.zeros(0, dtype=np.int64)
    race = frame.race[first]
    present = rapports.present[race]
    refund = frame.scratched[bets].any(axis=1) if n else np.zeros(0, dtype=bool)

    if rapports.bet_type in SHAPES:
        races = race.tolist()
        return combination_settle(
            tickets=frame.saddle[bets].tolist(),
            scratched=frame.scratched[bets].tolist(),
            present=present,
            lines=[rapports.lines.get(r, []) for r in races],
            special=[rapports.special.get(r, []) for r in races],
            ordered=SHAPES[rapports.bet_type].ordered,
        )

    winners = frame.per_race(frame.runs & (frame.position == 1)).astype(np.int64)[race]
    commission = commission_percent(frame.race_source[race])
    saddle = frame.saddle[first]
    paid = np.array(
        [rapports.simple.get((r, s), 0) for r, s in zip(race.tolist(), saddle.tolist(), strict=True)], dtype=np.int64
    )
    if rapports.bet_type == BetType.SIMPLE_GAGNANT:
        return settle_win(
            present=present,
            paid=paid,
            winners=winners,
            won=frame.position[first] == 1,
            price=frame.final_cents[first],
            commission=commission,
            refund=refund,
        )
    field_size = frame.per_race(frame.runs).astype(np.int64)[race]
    places = np.asarray(places_paid(field_size), dtype=np.int64).reshape(-1)
    share_num, share_den = _dead_heat_share(frame, first, places)
    with np.errstate(invalid="ignore"):
        by_position = frame.position[first] <= places
    known = np.isfinite(frame.placed[first])
    collects = np.where(known, frame.placed[first] == 1, by_position)
    # The source's own "placed" flag knows its places paid; no dead-heat split can be derived.
    share_num, share_den = np.where(known, 1, share_num), np.where(known, 1, share_den)
    settled = settle_simple(
        win=False,
        present=present,
        paid=paid,
        winners=winners,
        price=frame.place_cents[first],
        collects=collects,
        share_num=share_num,
        share_den=share_den,
        commission=commission,
    )
    return settle_refund(settled, refund)
