"""Win and place probabilities and ranks: pure numpy, no database.

Every function works on one race (1-D arrays) or on a whole batch of races at once: pass
``groups``, an array of race ids aligned with the runners (any integers, in any order), and
each race is computed on its own. Missing odds and padding are NaN, never a made-up number.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

# A probability of exactly 0 on the winner would make a log loss infinite: every log is taken of
# max(p, P_FLOOR).
P_FLOOR = 1e-15
# Harville divides by 1 - p_j and 1 - p_j - p_k: below this the pair takes every chance there
# is, the runners it would multiply have p = 0, and the term is 0 (not 0 × inf = nan).
_EPS = 1e-12
# Races per dense block in the third-place sum: blocks × field² × field floats stays small.
_BLOCK = 2048


def as_float(values: ArrayLike) -> np.ndarray:
    """A new float array from numbers, Decimals or None (None -> NaN)."""
    array = np.asarray(values)
    if array.dtype == object:
        flat = [np.nan if value is None else float(value) for value in array.ravel()]
        return np.array(flat, dtype=float).reshape(array.shape)
    return array.astype(float)


def group_codes(groups: ArrayLike | None, size: int) -> tuple[np.ndarray, int]:
    """Dense race codes 0..R-1 for each runner, and R. ``None`` = all runners in one race."""
    if groups is None:
        return np.zeros(size, dtype=np.int64), 1 if size else 0
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    return codes, int(codes.max()) + 1 if size else 0


def normalise_within_races(values: ArrayLike, groups: ArrayLike | None = None) -> np.ndarray:
    """Scale non-negative scores so that each race sums to 1; a race with any NaN is all NaN."""
    values = as_float(values)
    codes, n_races = group_codes(groups, values.size)
    incomplete = np.bincount(codes, weights=np.isnan(values), minlength=n_races) > 0
    totals = np.bincount(codes, weights=np.nan_to_num(values), minlength=n_races)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = values / totals[codes]
    out[incomplete[codes] | (totals[codes] <= 0)] = np.nan
    return out


def market_probabilities(odds: ArrayLike, groups: ArrayLike | None = None) -> np.ndarray:
    """The market's view: p_i = (1/odds_i) / Σ_j (1/odds_j) within each race (takeout removed).

    A runner with no odds (None, NaN, or below 1.0, which no market quotes) gets NaN. A race in
    which *any* runner lacks odds gets NaN for every runner: normalising over the priced runners
    alone would give the unpriced ones an implicit 0 (an infinite log loss when one wins) and
    inflate the others, so a partially priced race has no market view at all.
    """
    odds = as_float(odds)
    usable = np.isfinite(odds) & (odds >= 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(usable, 1.0 / odds, np.nan)
    return normalise_within_races(implied, groups)


def places_paid(field_size: ArrayLike) -> int | np.ndarray:
    """Places a simple placé pays: 3 with 8 or more runners, 2 with 4 to 7, 1 below (DOMAIN.md)."""
    size = np.asarray(field_size)
    paid = np.where(size >= 8, 3, np.where(size >= 4, 2, 1))
    return int(paid) if paid.ndim == 0 else paid


def _positions(codes: np.ndarray, n_races: int) -> tuple[np.ndarray, np.ndarray]:
    """Each runner's slot within its race (stable order) and the largest field."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_races)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slots = np.empty(codes.size, dtype=np.int64)
    slots[order] = np.arange(codes.size) - starts[codes[order]]
    return slots, int(counts.max()) if counts.size else 0


def harville_step(strength: ArrayLike, placed: ArrayLike) -> np.ndarray:
    """The one Harville step: P(a runner of ``strength`` takes the next place | runners of total
    strength ``placed`` are already placed) = strength / (1 − placed); 0 when nothing is left."""
    strength = np.asarray(strength, dtype=float)
    left = 1.0 - np.asarray(placed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(left > _EPS, strength / left, 0.0)


def harville_strengths(p: ArrayLike, places: int, *, gamma: float = 1.0, delta: float = 1.0) -> np.ndarray:
    """One race's strengths per finishing position, ``places`` × runners: row 0 is p (the winner),
    row 1 p^γ and rows 2 onward p^δ, each renormalised (Benter's correction; γ = δ = 1 is Harville)."""
    clean = np.nan_to_num(as_float(p))
    codes = np.zeros(clean.size, dtype=np.int64)
    rows = [clean, _powered(clean, float(gamma), codes, 1)]
    rows += [_powered(clean, float(delta), codes, 1)] * max(places - 2, 0)
    return np.array(rows[:places])


def _top3_extra(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """For each runner i: Σ over ordered pairs (j, k) of others of P(j 1st, k 2nd, i 3rd) / r_i.

    P(j 1st, k 2nd, i 3rd) = p_j · q_k / (1 − q_j) · r_i / (1 − r_j − r_k); q = r = p is Harville.
    """
    p_j = p[:, :, None]
    q_j, q_k = q[:, :, None], q[:, None, :]
    r_j, r_k = r[:, :, None], r[:, None, :]
    pair = p_j * harville_step(q_k, q_j) * harville_step(1.0, r_j + r_k)
    diagonal = np.arange(p.shape[1])
    pair[:, diagonal, diagonal] = 0.0
    total = pair.sum(axis=(1, 2))
    # Orderings where i itself came first (row i) or second (column i) do not put i third.
    return total[:, None] - pair.sum(axis=2) - pair.sum(axis=1)


def _powered(p: np.ndarray, exponent: float, codes: np.ndarray, n_races: int) -> np.ndarray:
    """p^exponent renormalised within each race (Benter's discount of the favourites' minor places)."""
    if exponent == 1.0:
        return p
    with np.errstate(divide="ignore"):
        raised = np.where(p > 0, p**exponent, 0.0)
    total = np.bincount(codes, weights=raised, minlength=n_races)[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, raised / total, 0.0)


def harville_place_probabilities(
    p: ArrayLike,
    places: int | ArrayLike,
    groups: ArrayLike | None = None,
    *,
    gamma: float = 1.0,
    delta: float = 1.0,
) -> np.ndarray:
    """P(runner finishes in the first ``places``) under Harville, exact over the orderings.

    Harville: P(i 1st, j 2nd) = p_i p_j / (1 - p_i); P(i, j, k in order) = p_i p_j p_k /
    ((1 - p_i)(1 - p_i - p_j)). It overrates favourites for the minor places; Benter's
    correction draws second place from q = p^γ and third from r = p^δ (each renormalised in
    the race): P(i, j, k) = p_i · q_j / (1 − q_i) · r_k / (1 − r_i − r_j). γ = δ = 1 is plain
    Harville. ``places`` is 1, 2 or 3, for all runners or per runner (constant within a race).
    A race with a NaN probability is NaN throughout.
    """
    probs = as_float(p)
    codes, n_races = group_codes(groups, probs.size)
    wanted = np.broadcast_to(np.asarray(places, dtype=np.int64), probs.shape)
    if wanted.size and (wanted.min() < 1 or wanted.max() > 3):
        raise ValueError("Harville place probabilities are computed for 1, 2 or 3 places")
    if probs.size == 0:
        return probs.copy()

    clean = np.nan_to_num(probs)
    second = _powered(clean, float(gamma), codes, n_races)
    third = _powered(clean, float(delta), codes, n_races)
    # P(j first) · 1 / (1 − q_j): what j's win leaves for the others' second place.
    leave = harville_step(clean, second)
    others = np.bincount(codes, weights=leave, minlength=n_races)[codes] - leave
    top2 = clean + second * others

    top3 = top2.copy()
    need3 = wanted == 3
    if need3.any():
        races3 = np.unique(codes[need3])
        in3 = np.isin(codes, races3)
        sub_codes = np.searchsorted(races3, codes[in3])
        slots, width = _positions(sub_codes, races3.size)
        extra = np.empty(sub_codes.size)
        for start in range(0, races3.size, _BLOCK):
            block = (sub_codes >= start) & (sub_codes < start + _BLOCK)
            at = (sub_codes[block] - start, slots[block])
            dense = [np.zeros((min(_BLOCK, races3.size - start), width)) for _ in range(3)]
            for matrix, values in zip(dense, (clean, second, third), strict=True):
                matrix[at] = values[in3][block]
            extra[block] = _top3_extra(*dense)[at]
        top3[in3] = top2[in3] + third[in3] * extra

    out = np.select([wanted == 1, wanted == 2], [clean, top2], top3)
    out = np.clip(out, 0.0, 1.0)
    broken = np.bincount(codes, weights=np.isnan(probs), minlength=n_races) > 0
    out[broken[codes]] = np.nan
    return out


def rank_within_races(
    scores: ArrayLike, groups: ArrayLike | None = None, tiebreak: ArrayLike | None = None
) -> np.ndarray:
    """1 for the highest score of each race, 2 for the next…; equal scores go by ``tiebreak`` ascending."""
    scores = as_float(scores)
    codes, n_races = group_codes(groups, scores.size)
    tie = np.arange(scores.size) if tiebreak is None else as_float(tiebreak)
    order = np.lexsort((tie, -np.nan_to_num(scores, nan=-np.inf), codes))
    counts = np.bincount(codes, minlength=n_races)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ranks = np.empty(scores.size, dtype=np.int64)
    ranks[order] = np.arange(scores.size) - starts[codes[order]] + 1
    return ranks
