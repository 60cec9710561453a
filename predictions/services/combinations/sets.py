"""Unordered finishing sets: each set's probability and every ticket's, vectorised over the sets.

Under Harville (with Benter's γ/δ) the runner taking place m+1 depends on which runners hold the
first m places, not on their order: P(first m+1 = U) = Σ_{i ∈ U} P(first m = U∖i) · step(i | U∖i).
Aggregating the orders of each set that way costs C(n, m) · m products per level instead of the
n!/(n−m)! orders (15 runners, five places: 3,003 sets against 360,360 orders). Sets are rows of
ascending runner indexes, stored at their combinatorial-number-system rank Σ_t C(c_t, t + 1).
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from math import comb

import numpy as np

from predictions.services.probability import harville_step

from .shapes import Shape


@lru_cache(maxsize=64)
def subsets(n: int, size: int) -> np.ndarray:
    """Every ``size``-subset of range(n), one ascending row each, in lexicographic order."""
    rows = np.array(list(itertools.combinations(range(n), size)), dtype=np.int64)
    return rows.reshape(-1, size)


@lru_cache(maxsize=8)
def _binomials(n: int) -> np.ndarray:
    return np.array([[comb(a, b) for b in range(n + 2)] for a in range(n + 1)], dtype=np.int64)


def rank(rows: np.ndarray, n: int) -> np.ndarray:
    """The colex rank of each ascending row (0 .. C(n, size) − 1)."""
    rows = np.asarray(rows, dtype=np.int64)
    table = _binomials(n)
    ranks = np.zeros(rows.shape[0], dtype=np.int64)
    for t in range(rows.shape[1]):
        ranks += table[rows[:, t], t + 1]
    return ranks


def set_masses(strengths: np.ndarray) -> list[np.ndarray]:
    """``masses[m][rank(U)]`` = P(the first m finishers are the set U), m = 0 .. places.

    ``strengths`` is places × runners (``harville_strengths``): row t draws place t + 1.
    """
    places, n = strengths.shape
    masses = [np.ones(1)]
    for m in range(1, places + 1):
        sets = subsets(n, m)
        total = np.zeros(sets.shape[0])
        for drop in range(m):
            last = sets[:, drop]
            before = np.delete(sets, drop, axis=1)
            placed = strengths[m - 1][before].sum(axis=1)
            prior = masses[m - 1][rank(before, n)] if m > 1 else 1.0
            total += prior * harville_step(strengths[m - 1][last], placed)
        masses.append(np.zeros(sets.shape[0]))
        masses[m][rank(sets, n)] = total
    return masses


def ticket_probabilities(shape: Shape, tickets: np.ndarray, finish: np.ndarray, n: int) -> np.ndarray:
    """P(each unordered ticket wins) from ``finish[rank(U)]`` = P(first ``places`` finishers = U).

    A ticket W wins when at least ``hits`` of its horses are among the first ``places``: sum the sets
    U made of j ≥ hits of W's horses and places − j of the others.
    """
    tickets = np.asarray(tickets, dtype=np.int64).reshape(-1, shape.picks)
    out = np.zeros(tickets.shape[0])
    if not tickets.size:
        return out
    outside = _complements(tickets, n)
    for inside in range(shape.hits, min(shape.picks, shape.places) + 1):
        rest = shape.places - inside
        if rest > outside.shape[1]:
            continue
        for mine in itertools.combinations(range(shape.picks), inside):
            for theirs in itertools.combinations(range(outside.shape[1]), rest):
                sets = np.sort(np.concatenate([tickets[:, mine], outside[:, theirs]], axis=1), axis=1)
                out += finish[rank(sets, n)]
    return out


def _complements(tickets: np.ndarray, n: int) -> np.ndarray:
    """Each ticket's runners not on it, ascending."""
    named = np.zeros((tickets.shape[0], n), dtype=bool)
    np.put_along_axis(named, tickets, True, axis=1)
    return np.nonzero(~named)[1].reshape(tickets.shape[0], n - tickets.shape[1])
