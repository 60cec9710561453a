"""The probability of a combination and the most likely combinations of a bet type, for one race.

``win`` is the win probability of each runner that RUNS: the caller drops the non-partants and
renormalises (a scratched horse's ticket lines are refunded, not priced). Indexes in tickets are
positions in ``win``. Two finishing-order models:

- ``harville``: exact, with Benter's γ (second place from p^γ) and δ (third place onward from p^δ);
- ``plackett_luce``: ``samples`` orders drawn by the Gumbel-max trick (``sampling.py``), each
  combination priced by the share of draws it wins (0 when it never does).

Top-k: in-order types search ordered prefixes best-first, a prefix's probability bounding every
order that extends it, so the first ``limit`` complete orders popped are the top ``limit`` and the
orders below them are never built. Unordered types aggregate orders into sets place by place
(``sets.py``), C(n, places) sets instead of n!/(n − places)! orders, then rank the tickets.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import numpy as np
from numpy.typing import ArrayLike

from predictions.services.probability import as_float, harville_step, harville_strengths

from .sampling import sample_orders
from .sets import rank, set_masses, subsets, ticket_probabilities
from .shapes import Shape, shape_for

METHODS = ("harville", "plackett_luce")
# Which model prices combinations when the caller does not say: Harville with the fitted γ/δ priced
# the real finishing orders better (docs/MODEL.md, "Combinations"); sampling adds noise to the same
# model and cannot price an order it never drew.
DEFAULT_METHOD = "harville"
DEFAULT_SAMPLES = 200_000


@dataclass(frozen=True)
class Combination:
    """A ticket: runner indexes (ticket order when ordered, ascending otherwise) and its probability."""

    runners: tuple[int, ...]
    probability: float


def combinations_top(
    win: ArrayLike,
    *,
    bet_type: str,
    limit: int = 20,
    picks: int | None = None,
    gamma: float = 1.0,
    delta: float = 1.0,
    method: str = DEFAULT_METHOD,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> list[Combination]:
    """The ``limit`` most likely tickets of ``bet_type``, most likely first (ties by runners)."""
    shape = shape_for(bet_type, picks=picks)
    strengths = _strengths(win, shape, gamma, delta, method)
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if method == "harville" and shape.ordered:
        return _ordered_top(strengths, limit)
    tickets, probabilities = _all_tickets(shape, strengths, method, samples, seed)
    return _best(tickets, probabilities, limit)


def combination_probability(
    win: ArrayLike,
    runners: Sequence[int],
    *,
    bet_type: str,
    picks: int | None = None,
    gamma: float = 1.0,
    delta: float = 1.0,
    method: str = DEFAULT_METHOD,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> float:
    """P(the ticket ``runners`` wins ``bet_type``)."""
    if picks is None and bet_type == "multi":
        picks = len(runners)
    shape = shape_for(bet_type, picks=picks)
    strengths = _strengths(win, shape, gamma, delta, method)
    ticket = _ticket(runners, shape, strengths.shape[1])
    if method == "harville":
        if shape.ordered:
            return float(order_probabilities(strengths, np.array([ticket]))[0])
        finish = set_masses(strengths)[shape.places]
        return float(ticket_probabilities(shape, np.array([sorted(ticket)]), finish, strengths.shape[1])[0])
    orders = sample_orders(strengths, samples=samples, seed=seed)
    if shape.ordered:
        return float(np.mean(np.all(orders[:, : shape.picks] == ticket, axis=1)))
    finish = _sampled_sets(orders, strengths.shape[1])
    return float(ticket_probabilities(shape, np.array([sorted(ticket)]), finish, strengths.shape[1])[0])


def order_probabilities(strengths: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """P(the first finishers are exactly each row of ``orders``, in that order), Harville."""
    orders = np.asarray(orders, dtype=np.int64)
    prob = np.ones(orders.shape[0])
    for t in range(orders.shape[1]):
        row = strengths[t]
        prob = prob * harville_step(row[orders[:, t]], row[orders[:, :t]].sum(axis=1))
    return prob


def enumerate_tickets(
    win: ArrayLike, *, bet_type: str, picks: int | None = None, gamma: float = 1.0, delta: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Full enumeration (the benchmark's baseline): every order of the first ``places`` finishers
    priced, then summed into every ticket it makes win. Returns (tickets, probabilities)."""
    shape = shape_for(bet_type, picks=picks)
    strengths = _strengths(win, shape, gamma, delta, "harville")
    n = strengths.shape[1]
    orders = np.array(list(itertools.permutations(range(n), shape.places)), dtype=np.int64)
    probabilities = order_probabilities(strengths, orders)
    if shape.ordered:
        return orders, probabilities
    finish = np.bincount(rank(np.sort(orders, axis=1), n), weights=probabilities, minlength=comb(n, shape.places))
    tickets = subsets(n, shape.picks)
    return tickets, ticket_probabilities(shape, tickets, finish, n)


def _strengths(win: ArrayLike, shape: Shape, gamma: float, delta: float, method: str) -> np.ndarray:
    """Validated, renormalised win probabilities turned into per-place strengths."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    p = as_float(win)
    if p.ndim != 1 or not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ValueError("win must be finite, non-negative probabilities of the runners that run")
    if p.size < max(shape.picks, shape.places):
        raise ValueError(f"{shape.code} needs at least {max(shape.picks, shape.places)} runners, not {p.size}")
    return harville_strengths(p / p.sum(), shape.places, gamma=gamma, delta=delta)


def _ticket(runners: Sequence[int], shape: Shape, n: int) -> tuple[int, ...]:
    ticket = tuple(int(runner) for runner in runners)
    if len(ticket) != shape.picks or len(set(ticket)) != shape.picks or not all(0 <= r < n for r in ticket):
        raise ValueError(f"a {shape.code} ticket names {shape.picks} different runners among 0..{n - 1}")
    return ticket


def _ordered_top(strengths: np.ndarray, limit: int) -> list[Combination]:
    """Best-first (A*) over ordered prefixes, keyed by an upper bound on every order extending them.

    A complete order's key is its probability; a prefix's is its probability times a bound on each
    place still to fill (``_completion_bounds``), so the first ``limit`` complete orders popped are
    the top ``limit`` and orders below them are never built.
    """
    places, n = strengths.shape
    # (−key, prefix, probability): ties fall to the lexicographically smaller prefix.
    heap: list[tuple[float, tuple[int, ...], float]] = [(-1.0, (), 1.0)]
    found: list[Combination] = []
    while heap and len(found) < limit:
        _, prefix, probability = heapq.heappop(heap)
        if len(prefix) == places:
            found.append(Combination(prefix, probability))
            continue
        row = strengths[len(prefix)]
        children = np.array([runner for runner in range(n) if runner not in prefix], dtype=np.int64)
        probs = probability * harville_step(row[children], row[list(prefix)].sum())
        keys = probs * _completion_bounds(strengths, prefix, children)
        for runner, key, child in zip(children.tolist(), keys.tolist(), probs.tolist(), strict=True):
            heapq.heappush(heap, (-key, (*prefix, runner), child))
    return found


def _completion_bounds(strengths: np.ndarray, prefix: tuple[int, ...], children: np.ndarray) -> np.ndarray:
    """For each child prefix (``prefix`` + one of ``children``), a bound on the product of the steps
    of the places after it: at place t the step is s_t(i) / (1 − Σ s_t(placed)); i is at most the
    strongest runner left, and the runners placed between the child and place t at most take the
    largest strengths left."""
    places = strengths.shape[0]
    bound = np.ones(children.size)
    start = len(prefix) + 1
    for t in range(start, places):
        row = strengths[t]
        left = np.sort(row[children])[::-1]
        between = left[: t - start].sum()
        remaining = 1.0 - row[list(prefix)].sum() - row[children] - between
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(remaining > 0, left[0] / remaining, 1.0)
        bound *= np.minimum(step, 1.0)
    return bound


def _sampled_sets(orders: np.ndarray, n: int) -> np.ndarray:
    """The share of draws whose first finishers form each set (indexed by rank)."""
    places = orders.shape[1]
    counts = np.bincount(rank(np.sort(orders, axis=1), n), minlength=comb(n, places))
    return counts / orders.shape[0]


def _all_tickets(
    shape: Shape, strengths: np.ndarray, method: str, samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every ticket of an unordered type (or, sampled, every drawn order) with its probability."""
    n = strengths.shape[1]
    if method == "plackett_luce":
        orders = sample_orders(strengths, samples=samples, seed=seed)
        if shape.ordered:
            drawn, counts = np.unique(orders, axis=0, return_counts=True)
            return drawn, counts / samples
        finish = _sampled_sets(orders, n)
    else:
        finish = set_masses(strengths)[shape.places]
    tickets = subsets(n, shape.picks)
    return tickets, ticket_probabilities(shape, tickets, finish, n)


def _best(tickets: np.ndarray, probabilities: np.ndarray, limit: int) -> list[Combination]:
    """The ``limit`` most likely rows, most likely first, ties by runners ascending."""
    keys = [tickets[:, column] for column in reversed(range(tickets.shape[1]))]
    order = np.lexsort([*keys, -probabilities])[:limit]
    return [Combination(tuple(int(r) for r in tickets[i]), float(probabilities[i])) for i in order]
