"""What a combined PMU bet is: how many horses a ticket names, which places count, and when it wins.

One rule covers every combined type: a ticket of ``picks`` horses wins when, ordered, its horses are
the first ``picks`` finishers in ticket order, and otherwise when at least ``hits`` of its horses are
among the first ``places`` finishers (``hits`` = min(picks, places) except the quinté+ bonus 4sur5).

- couplé gagnant: the first two, any order; couplé ordre: in order; couplé placé: two of the first
  three; 2sur4: two of the first four;
- trio (= tiercé désordre), trio ordre (= tiercé ordre): the first three;
- quarté+ ordre / désordre: the first four; quarté+ bonus: the first three among your four;
- quinté+ ordre / désordre: the first five; bonus 4sur5: four of the first five among your five;
  bonus 3: the first three among your five;
- multi en 4 to 7: the first four among your 4 to 7 horses.

A bonus is the event as the PMU states it, whether or not the same ticket also wins a better rank
(your five being the first five also has "four of the first five"): the pool pays a ticket its best
rank only, which is the settlement's concern, not the probability's.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """One combined bet type: ``picks`` horses on a ticket, the first ``places`` finishers matter."""

    code: str
    picks: int
    places: int
    ordered: bool
    # The smallest field the PMU offers the type in (its programme: couplé placé from 8 runners,
    # 2sur4 and multi from 10; couplé and trio run from 4 as couplé / trio ordre in small fields).
    min_runners: int
    # How many of the ticket's horses must be among the first ``places`` (unordered types).
    hits: int = 0

    def __post_init__(self) -> None:
        if not self.hits:
            object.__setattr__(self, "hits", min(self.picks, self.places))


MULTI_PICKS = range(4, 8)

SHAPES: dict[str, Shape] = {
    shape.code: shape
    for shape in (
        Shape("couple_gagnant", 2, 2, False, 4),
        Shape("couple_ordre", 2, 2, True, 4),
        Shape("couple_place", 2, 3, False, 8),
        Shape("deux_sur_quatre", 2, 4, False, 10),
        Shape("trio", 3, 3, False, 4),
        Shape("trio_ordre", 3, 3, True, 4),
        Shape("tierce_ordre", 3, 3, True, 8),
        Shape("tierce_desordre", 3, 3, False, 8),
        Shape("quarte_ordre", 4, 4, True, 8),
        Shape("quarte_desordre", 4, 4, False, 8),
        Shape("quarte_bonus", 4, 3, False, 8),
        Shape("quinte_ordre", 5, 5, True, 8),
        Shape("quinte_desordre", 5, 5, False, 8),
        Shape("quinte_bonus4", 5, 5, False, 8, hits=4),
        Shape("quinte_bonus3", 5, 3, False, 8),
        Shape("multi", 4, 4, False, 10),
    )
}


def shape_for(bet_type: str, *, picks: int | None = None) -> Shape:
    """The shape of a combined bet type; ``picks`` (4 to 7) only for the multi."""
    shape = SHAPES.get(bet_type)
    if shape is None:
        raise ValueError(f"{bet_type!r} is not a combined bet type; expected one of {', '.join(sorted(SHAPES))}")
    if picks is None or (picks == shape.picks and bet_type != "multi"):
        return shape
    if bet_type != "multi":
        raise ValueError(f"{bet_type} tickets name {shape.picks} horses; only the multi takes picks")
    if picks not in MULTI_PICKS:
        raise ValueError(f"a multi names {MULTI_PICKS.start} to {MULTI_PICKS.stop - 1} horses, not {picks}")
    return Shape("multi", picks, 4, False, max(shape.min_runners, picks + 1))


def bet_types_for_field(n_runners: int) -> list[str]:
    """The combined bet types a field of ``n_runners`` runners allows, in SHAPES order."""
    return [code for code, shape in SHAPES.items() if n_runners >= shape.min_runners]


def arrival_orders(arrival: Sequence[Sequence[int]], places: int) -> list[tuple[int, ...]]:
    """Every order of the first ``places`` finishers a dead heat allows (horses sharing a group may
    finish in any order between them); empty when fewer than ``places`` horses are classified."""
    groups: list[list[tuple[int, ...]]] = []
    filled = 0
    for group in arrival:
        if filled >= places:
            break
        group = list(group)
        groups.append(list(itertools.permutations(group)))
        filled += len(group)
    if filled < places:
        return []
    return sorted({sum(choice, ())[:places] for choice in itertools.product(*groups)})


def wins_in_order(shape: Shape, order: Sequence[int], runners: Sequence[int]) -> bool:
    """Does a ticket win when the first finishers are ``order`` (no dead heat)?"""
    if shape.ordered:
        return tuple(order[: shape.picks]) == tuple(runners)
    return len(set(order[: shape.places]) & set(runners)) >= shape.hits


def combination_wins(
    arrival: Sequence[Sequence[int]], runners: Sequence[int], *, bet_type: str, picks: int | None = None
) -> bool:
    """Did the ticket ``runners`` win? ``arrival`` is the finishing order as groups of runner indexes
    (a dead heat shares a group). Dead heat: the PMU pays every combination the tied horses form, so
    a ticket wins when any order of the tied horses makes it win. Fewer classified horses than the
    places the type needs: nothing wins."""
    shape = shape_for(bet_type, picks=picks if picks is not None else _picks_of(bet_type, runners))
    if len(runners) != shape.picks or len(set(runners)) != shape.picks:
        raise ValueError(f"a {bet_type} ticket names {shape.picks} different horses, not {list(runners)}")
    return any(wins_in_order(shape, order, runners) for order in arrival_orders(arrival, shape.places))


def _picks_of(bet_type: str, runners: Sequence[int]) -> int | None:
    """A multi ticket's size is its length; other types have a fixed size."""
    return len(runners) if bet_type == "multi" else None
