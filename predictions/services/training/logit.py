"""Conditional-logit fits: the calibration (κ, α, β) and Benter's place correction (γ, δ)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from ..probability import P_FLOOR
from ..races import Races

DEFAULT_GAMMA, DEFAULT_DELTA = 0.81, 0.65  # Benter's Hong Kong values
MIN_RACES_FOR_PLACES = 300  # fewer races with a known 1-2-3: keep Benter's γ, δ


def conditional_logit_fit(x: np.ndarray, won: np.ndarray, races: Races, start: np.ndarray | None = None) -> np.ndarray:
    """Coefficients b maximising Σ_races Σ y ln softmax(x·b) within the race (McFadden's conditional logit)."""
    x = np.asarray(x, dtype=float).reshape(len(won), -1)
    weight = races.sum(won)[races.codes]

    def nll(b: np.ndarray) -> tuple[float, np.ndarray]:
        p = races.softmax(x @ b)
        value = -float((won * np.log(np.maximum(p, 1e-300))).sum())
        grad = -((won - p * weight)[:, None] * x).sum(axis=0)
        return value, grad

    b0 = np.ones(x.shape[1]) if start is None else np.asarray(start, dtype=float)
    result = minimize(nll, b0, jac=True, method="L-BFGS-B")
    return result.x


def conditional_logit_standard_errors(x: np.ndarray, won: np.ndarray, races: Races, b: np.ndarray) -> np.ndarray:
    """Standard errors of b from the observed information Σ_races w (E[x xᵀ] − E[x] E[x]ᵀ)."""
    x = np.asarray(x, dtype=float).reshape(len(won), -1)
    p = races.softmax(x @ b)
    weight = races.sum(won)
    mean = np.stack([races.sum(p * x[:, k]) for k in range(x.shape[1])], axis=1)
    second = np.stack(
        [np.stack([races.sum(p * x[:, i] * x[:, j]) for j in range(x.shape[1])], axis=1) for i in range(x.shape[1])],
        axis=1,
    )
    info = np.einsum("r,rij->ij", weight, second - mean[:, :, None] * mean[:, None, :])
    try:
        return np.sqrt(np.clip(np.diag(np.linalg.inv(info)), 0, None))
    except np.linalg.LinAlgError:
        return np.full(x.shape[1], np.inf)


def place_correction_fit(p: np.ndarray, position: np.ndarray, races: Races) -> tuple[float, float, int]:
    """Benter's γ (second place) and δ (third) by likelihood of the observed 1-2-3, and the races used.

    P(j second | i first) = q_j / (1 − q_i), q = p^γ normalised in the race; P(k third | i, j) =
    r_k / (1 − r_i − r_j), r = p^δ normalised. Races with a dead heat in the first three, or
    without a known 1-2-3, are left out. Too few races: the defaults.
    """
    first, second, third = (races.sum((position == k).astype(float)) for k in (1, 2, 3))
    clean = (first == 1) & (second == 1) & (third == 1) & (races.sizes >= 4)
    keep = clean[races.codes]
    if clean.sum() < MIN_RACES_FOR_PLACES:
        return DEFAULT_GAMMA, DEFAULT_DELTA, int(clean.sum())
    sub = Races.of(races.codes[keep])
    logp = np.log(np.maximum(p[keep], P_FLOOR))
    pos = position[keep]

    def at(values: np.ndarray, place: int) -> np.ndarray:
        return sub.sum(np.where(pos == place, values, 0.0))

    def nll_second(g: float) -> float:
        q = sub.softmax(g * logp)
        return -float(np.sum(np.log(at(q, 2)) - np.log1p(-at(q, 1))))

    def nll_third(d: float) -> float:
        r = sub.softmax(d * logp)
        return -float(np.sum(np.log(at(r, 3)) - np.log(np.maximum(1.0 - at(r, 1) - at(r, 2), P_FLOOR))))

    gamma = minimize_scalar(nll_second, bounds=(0.2, 1.5), method="bounded").x
    delta = minimize_scalar(nll_third, bounds=(0.2, 1.5), method="bounded").x
    return float(gamma), float(delta), int(clean.sum())
