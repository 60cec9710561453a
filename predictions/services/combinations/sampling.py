"""Plackett–Luce finishing orders by sampling: the Gumbel-max trick, vectorised and seeded.

Adding independent Gumbel noise to the log strengths and sorting gives a Plackett–Luce order at once
(Yellott 1977): the runner with the largest log p + G wins with probability p, the next largest is
second with probability p_j / (1 − p_i), and so on. With Benter's γ/δ the strength changes with the
place, so each stage takes its own noise: the winner from log p + G₁, second from log p^γ + G₂ among
the rest, and places three onward, which share p^δ, from one sort of log p^δ + G₃.
"""

from __future__ import annotations

import numpy as np


def sample_orders(strengths: np.ndarray, *, samples: int, seed: int) -> np.ndarray:
    """``samples`` × places runner indexes: the first finishers of sampled orders."""
    places, n = strengths.shape
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore"):
        logs = np.log(strengths)
    orders = np.empty((samples, places), dtype=np.int64)
    taken = np.zeros((samples, n), dtype=bool)
    rows = np.arange(samples)
    stage = 0
    while stage < places:
        # Rows from here on are identical (p^δ): one sort orders every remaining place.
        tail = stage >= 2 or np.array_equal(
            strengths[stage:], np.broadcast_to(strengths[stage], strengths[stage:].shape)
        )
        keys = logs[stage] + rng.gumbel(size=(samples, n))
        keys[taken] = -np.inf
        if tail:
            orders[:, stage:] = np.argsort(-keys, axis=1, kind="stable")[:, : places - stage]
            break
        pick = np.argmax(keys, axis=1)
        orders[:, stage] = pick
        taken[rows, pick] = True
        stage += 1
    return orders
