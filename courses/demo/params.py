"""The demo simulation's constants and the small numeric helpers its parts share."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from courses.models import Discipline

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_START = dt.date(2024, 1, 1)
GENERATOR_VERSION = 1  # bump when the output changes: finished races are then rewritten, not skipped

TROT, PLAT = 0, 1
# Strength scale of the conditional logit: P(win) ∝ exp(KAPPA * strength).
KAPPA = 1.6
TAKEOUT_SIMPLE = 0.145  # Σ 1/odds ≈ 1 / (1 - 0.145) ≈ 1.17
TAKEOUT_COMBINED = 0.25
MARKET_NOISE = 0.30  # the public's error on a runner's strength at the off
MORNING_NOISE = 0.35  # extra error of the morning view
LONGSHOT_BIAS = 0.85  # < 1: the public flattens the chances (favourite–longshot bias)
COMBINED_FLATTENING = 0.7
QUINTE_ORDRE_SHARE, QUINTE_DESORDRE_SHARE = 0.065, 0.14
MIN_REST_DAYS = 12
POOL_TARGET = {TROT: 1500, PLAT: 1100}
MAX_AGE = {TROT: 10, PLAT: 8}
PRIZE_SHARES = (0.50, 0.20, 0.14, 0.10, 0.06)
MUSIQUE_RUNS = 10
DISCIPLINE_LETTER = {Discipline.TROT_ATTELE: "a", Discipline.TROT_MONTE: "m", Discipline.PLAT: "p"}


def day_rng(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    """One of a day's independent random streams: a date's draws never depend on the days before it."""
    return np.random.default_rng([seed, day.toordinal(), stream])


def softmax(values: np.ndarray) -> np.ndarray:
    weights = np.exp(values - values.max())
    return weights / weights.sum()


def age_effect(family: np.ndarray, age_years: np.ndarray) -> np.ndarray:
    """Horses improve to a peak (trotters later than flat horses) and decline after it."""
    delta = age_years - np.where(family == TROT, 6.5, 4.5)
    return np.where(delta < 0, -0.06, -0.04) * delta**2


@functools.cache
def tenths(count: int) -> Decimal:
    """``count`` tenths as a Decimal (odds, weights, reductions): cached, the same few recur."""
    return Decimal(int(count)) / 10
