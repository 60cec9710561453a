"""How good a set of win probabilities is, race by race: the one engine of the model's quality figures.

Race log loss (−ln p of the winner; dead heats: the mean over the dead-heaters), pseudo-R² against a
uniform guess (Benter), Brier (Σ over a race's runners) and top-1. Training, promotion, the model
report and ``/metrics`` all read them from here, under these names.
"""

from __future__ import annotations

import numpy as np

from .probability import P_FLOOR
from .races import Races

# The reliability plot's bins: equal widths of predicted probability.
RELIABILITY_BINS = 10

# Draws of every bootstrap interval (over races, seed 0): the same bets or races, the same interval.
BOOTSTRAP_DRAWS = 2000


def race_log_loss(p: np.ndarray, won: np.ndarray, races: Races) -> float:
    """Mean over races of −Σ y ln p (y = 1/k for each of k dead-heaters): −ln p(winner)."""
    return float(-races.sum(won * np.log(np.maximum(p, P_FLOOR))).mean())


def race_metrics(p: np.ndarray, won: np.ndarray, races: Races, tiebreak: np.ndarray | None = None) -> dict:
    """Race log loss, pseudo-R² against uniform (Benter), Brier (Σ per race) and top-1 accuracy.

    The top pick of a race is its highest p (ties: the lowest ``tiebreak``, e.g. saddle number);
    it scores y, so a dead-heater counts 1/k, as the split rapport pays.
    """
    if races.n == 0:
        return {
            "races": 0,
            "log_loss": None,
            "uniform_log_loss": None,
            "pseudo_r2": None,
            "brier": None,
            "top1_accuracy": None,
        }
    log_loss = race_log_loss(p, won, races)
    uniform = float(np.log(races.sizes).mean())
    order = np.lexsort((np.arange(p.size) if tiebreak is None else tiebreak, -p, races.codes))
    first = order[races.starts]
    return {
        "races": races.n,
        "log_loss": log_loss,
        "uniform_log_loss": uniform,
        "pseudo_r2": 1.0 - log_loss / uniform if uniform > 0 else None,
        "brier": float(races.sum((p - won) ** 2).mean()),
        "top1_accuracy": float(won[first].sum() / races.n),
    }


def log_loss_difference(a: np.ndarray, b: np.ndarray, won: np.ndarray, races: Races) -> dict:
    """Mean race log loss of ``a`` minus ``b`` on the same races, with a bootstrap 95% interval over races."""
    diff = -races.sum(won * np.log(np.maximum(a, P_FLOOR))) + races.sum(won * np.log(np.maximum(b, P_FLOOR)))
    return bootstrap_mean(diff)


def bootstrap_mean(values: np.ndarray) -> dict:
    """The mean of per-race figures with its bootstrap 95% interval (races resampled, seed 0)."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(0)
    means = values[rng.integers(0, values.size, size=(BOOTSTRAP_DRAWS, values.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(values.mean()), "ci95": [float(low), float(high)]}


def reliability_bins(p: np.ndarray, won: np.ndarray, *, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Calibration (a reliability plot's points): runners grouped by predicted win probability into ``bins``
    equal-width bins, each with its count, its mean predicted probability and its observed win frequency (a
    dead-heater counts y = 1/k), None in an empty bin. The counts add up to the runners given."""
    p, won = np.asarray(p, dtype=float), np.asarray(won, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=p, minlength=bins)
    observed = np.bincount(index, weights=won, minlength=bins)
    return [
        {
            "low": float(edges[i]),
            "high": float(edges[i + 1]),
            "count": int(count[i]),
            "predicted": float(predicted[i] / count[i]) if count[i] else None,
            "observed": float(observed[i] / count[i]) if count[i] else None,
        }
        for i in range(bins)
    ]
