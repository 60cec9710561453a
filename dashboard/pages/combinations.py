"""The race card's top combinations: the most likely tickets of its main combined bets (couplé gagnant, trio,
tiercé, the quinté+ on a quinté+ race), from the same selector as ``GET courses/{race}/combinations``
(``wagering.selectors.combinations``) and behind the same feature; a plan without it is shown what opens it."""

from __future__ import annotations

from billing.models import Feature
from billing.selectors import plan_cheapest_with
from wagering.selectors.combinations import race_card_combinations


def race_combinations_context(plan, card: dict) -> dict:
    """``combinations``: the card's top tickets per bet type when ``plan`` opens the feature; else
    ``combinations_plan``, the cheapest plan that does (None: none on sale)."""
    if plan is not None and plan.opens(Feature.COMBINATIONS):
        return {"combinations": race_card_combinations(card=card), "combinations_locked": False}
    return {
        "combinations": [],
        "combinations_locked": True,
        "combinations_plan": plan_cheapest_with(Feature.COMBINATIONS),
    }
