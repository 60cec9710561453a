"""Combination probabilities of the PMU's combined bets (couplé, trio, 2sur4, multi, tiercé,
quarté+, quinté+) for one race, from its win probabilities: numpy only, no database.

``win`` holds the win probabilities of the runners that run (non-partants removed by the caller,
then renormalised); ticket runners are indexes into it.
"""

from .search import (
    DEFAULT_METHOD,
    METHODS,
    Combination,
    combination_probability,
    combinations_top,
    enumerate_tickets,
)
from .shapes import SHAPES, Shape, bet_types_for_field, combination_wins, shape_for

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "SHAPES",
    "Combination",
    "Shape",
    "bet_types_for_field",
    "combination_probability",
    "combination_wins",
    "combinations_top",
    "enumerate_tickets",
    "shape_for",
]
