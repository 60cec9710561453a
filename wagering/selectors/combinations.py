"""A race's combinations (couplé, trio, 2sur4, multi, tiercé, quarté+, quinté+): the most likely tickets of a bet type
with their probability and fair rapport, and, against the race's rapports when they are known, which came in, what
each paid and its edge. ``GET courses/{race}/combinations`` and the race card's top combinations read it.

The probabilities are the engine's (``predictions.services.combinations``) on the win probabilities of the race's
card (``predictions.selectors``: before the off the active version's, once it has gone off what was published
before it, else the walk-forward prediction; never a later model's hindsight), the non-partants removed and the
others renormalised, with the Harville exponents γ/δ of the version that made them.

A fixed number of queries: the card's, the version's calibration, the race's rapports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from courses.clock import FINISHED, OFFICIAL
from courses.models import BetType, Race, RunnerStatus
from predictions.models import ModelVersion
from predictions.services import combinations as engine
from predictions.services.predict import place_exponents

from ..services.rapports import race_rapports
from ..services.settlement import combination_paid

# The bet types priced here: the combined ones (a ticket of several horses), in the PMU's order.
COMBINED = tuple(code for code in BetType.values if code in engine.SHAPES)
# The race card's top combinations: these types, where the race offers them (the quinté+ on a quinté+ race only).
CARD_TYPES = (BetType.COUPLE_GAGNANT, BetType.TRIO, BetType.TIERCE_ORDRE, BetType.QUINTE_DESORDRE)
CARD_LIMIT = 5
QUINTE_TYPES = frozenset({BetType.QUINTE_ORDRE, BetType.QUINTE_DESORDRE, BetType.QUINTE_BONUS4, BetType.QUINTE_BONUS3})
# How the probabilities are computed (``engine.combinations_top``'s ``method``).
METHOD = engine.DEFAULT_METHOD
# What tells the race's offered types: its rapports, the pools its programme sells, else its field's size.
BY_RAPPORTS, BY_PROGRAMME, BY_FIELD = "rapports", "programme", "field"


class BetTypeUnavailable(ValueError):
    """The race cannot have this bet type (its rapports, its programme or its field say so)."""


@dataclass
class Field:
    """The runners that run, in saddle order, with their win probabilities (renormalised; None: no prediction)."""

    saddles: list[int]
    horses: list[str]
    win: np.ndarray | None


def _field(card: dict) -> Field:
    runs = [row for row in card["rows"] if row["status"] != RunnerStatus.NON_PARTANT]
    probabilities = [row["win_probability"] for row in runs]
    win = None
    if runs and all(p is not None for p in probabilities):
        win = np.asarray(probabilities, dtype=float)
        win = win / win.sum() if win.sum() > 0 else None
    return Field([row["saddle_number"] for row in runs], [row["horse"] for row in runs], win)


def offered_bet_types(*, race: Race, rapports: list[dict], runners: int) -> tuple[list[str], str]:
    """The combined bet types ``race`` offers and what says so: the types of its rapports once they are published
    (``rapports``), else the pools its programme sells (``programme``), else (the demo, Hong Kong, a programme
    that does not say) every type a field of ``runners`` allows (``field``)."""
    paid = {line["bet_type"] for line in rapports}
    if any(code in paid for code in COMBINED):
        return [code for code in COMBINED if code in paid], BY_RAPPORTS
    sold = set((race.extra or {}).get("bet_types") or ())
    if any(code in sold for code in COMBINED):
        return [code for code in COMBINED if code in sold], BY_PROGRAMME
    allowed = set(engine.bet_types_for_field(runners))
    return [code for code in COMBINED if code in allowed], BY_FIELD


def _playable(shape, offered: list[str], by: str, runners: int) -> bool:
    """The race offers the type: a field's own rule asks the type's smallest field; a pool its rapports or
    programme name runs whatever the non-partants left, as long as a ticket can be written."""
    return shape.code in offered and runners >= (shape.min_runners if by == BY_FIELD else shape.picks)


def _refusal(bet_type: str, offered: list[str], by: str, runners: int) -> str:
    label = BetType(bet_type).label
    if by == BY_FIELD:
        return f"{label} ({bet_type}) cannot be played on a field of {runners} runners; it allows: " + (
            ", ".join(offered) or "no combined bet"
        )
    source = "its rapports list" if by == BY_RAPPORTS else "its programme sells"
    return f"{label} ({bet_type}) is not offered on this race: {source} " + ", ".join(offered) + "."


def _lines(rapports: list[dict], bet_type: str, picks: int) -> list[tuple[tuple[int, ...], object]]:
    """The paying lines of ``bet_type`` (the multi's of a multi en ``picks``): (saddles, amount)."""
    return [
        (line["saddles"], line["amount"])
        for line in rapports
        if line["bet_type"] == bet_type
        and line["saddles"] is not None
        and (bet_type != BetType.MULTI or line["picks"] in (None, picks))
    ]


def _arrival(card: dict, field: Field) -> list[list[int]] | None:
    """The finishing order as groups of field indexes (a dead heat shares a group); None before the finish."""
    if card["phase"] not in (FINISHED, OFFICIAL):
        return None
    index = {saddle: i for i, saddle in enumerate(field.saddles)}
    groups: dict[int, list[int]] = {}
    for row in card["rows"]:
        if row["position"] is not None and row["saddle_number"] in index:
            groups.setdefault(row["position"], []).append(index[row["saddle_number"]])
    return [groups[position] for position in sorted(groups)] or None


def _exponents(card: dict) -> tuple[float, float]:
    version = ModelVersion.objects.filter(version=card["model_version"]).only("kind", "params").first()
    return place_exponents(version) if version is not None else (1.0, 1.0)


def _edge(probability: float, amount) -> float | None:
    return probability * float(amount) - 1 if amount is not None else None


def race_combinations(*, card: dict, bet_type: str, limit: int = 20, picks: int | None = None) -> dict:
    """The ``limit`` most likely ``bet_type`` tickets of the race of ``card`` (``predictions.selectors.race_card``)
    and, once it is run, which came in and what they paid. ValueError (``engine.shape_for``'s) for a type that is
    not a combined one, BetTypeUnavailable for one the race cannot have."""
    return _priced(card, [bet_type], limit, picks, rapports=race_rapports(race_id=card["race"].pk))[0]


def race_card_combinations(*, card: dict, limit: int = CARD_LIMIT) -> list[dict]:
    """The race card's top combinations: the ``limit`` most likely tickets of each of ``CARD_TYPES`` the race offers
    (as ``race_combinations``), in one read of its rapports."""
    rapports = race_rapports(race_id=card["race"].pk)
    field = _field(card)
    offered, _ = offered_bet_types(race=card["race"], rapports=rapports, runners=len(field.saddles))
    types = [code for code in CARD_TYPES if code in offered and (code not in QUINTE_TYPES or card["race"].is_quinte)]
    return _priced(card, types, limit, None, rapports=rapports) if types else []


def _priced(card: dict, bet_types: list[str], limit: int, picks: int | None, *, rapports: list[dict]) -> list[dict]:
    field = _field(card)
    runners = len(field.saddles)
    offered, by = offered_bet_types(race=card["race"], rapports=rapports, runners=runners)
    shapes = [engine.shape_for(bet_type, picks=picks) for bet_type in bet_types]
    for bet_type, shape in zip(bet_types, shapes, strict=True):
        if not _playable(shape, offered, by, runners):
            raise BetTypeUnavailable(_refusal(bet_type, offered, by, runners))
    gamma, delta = _exponents(card) if field.win is not None else (1.0, 1.0)
    arrival = _arrival(card, field)
    answers = []
    for bet_type, shape in zip(bet_types, shapes, strict=True):
        lines = _lines(rapports, bet_type, shape.picks)
        answers.append(
            {
                "race": card["race"],
                "phase": card["phase"],
                "bet_type": bet_type,
                "label": BetType(bet_type).label,
                "picks": shape.picks,
                "ordered": shape.ordered,
                "method": METHOD,
                "gamma": gamma,
                "delta": delta,
                "basis": card["basis"] if field.win is not None else None,
                "model_version": card["model_version"] if field.win is not None else None,
                "scored_at": card["scored_at"] if field.win is not None else None,
                "offered": offered,
                "offered_by": by,
                "runners": runners,
                "combinations": _tickets(field, shape, limit, gamma, delta, lines, arrival),
                "result": _result(card, field, shape, gamma, delta, lines, arrival),
            }
        )
    return answers


def _tickets(field: Field, shape, limit: int, gamma: float, delta: float, lines, arrival) -> list[dict]:
    if field.win is None:
        return []
    top = engine.combinations_top(
        field.win, bet_type=shape.code, limit=limit, picks=shape.picks, gamma=gamma, delta=delta, method=METHOD
    )
    tickets = []
    for rank, combination in enumerate(top, start=1):
        saddles = [field.saddles[i] for i in combination.runners]
        p = float(combination.probability)
        paid = combination_paid(saddles, lines, ordered=shape.ordered) if lines else None
        if lines:
            won = bool(paid)
        elif arrival is not None:
            won = engine.combination_wins(arrival, combination.runners, bet_type=shape.code, picks=shape.picks)
        else:
            won = None
        rapport = paid or None
        tickets.append(
            {
                "rank": rank,
                "combination": "-".join(str(s) for s in saddles),
                "saddle_numbers": saddles,
                "horses": [field.horses[i] for i in combination.runners],
                "probability": p,
                "fair_rapport": 1 / p if p > 0 else None,
                "won": won,
                "rapport": rapport,
                "edge": _edge(p, rapport),
            }
        )
    return tickets


def _result(card: dict, field: Field, shape, gamma: float, delta: float, lines, arrival) -> dict | None:
    """After the race: the arrival and each paying line of the type with what we gave it (a line that is a whole
    ticket: a bonus or a multi en 5+ line names fewer horses than a ticket holds, and has no probability)."""
    if arrival is None and not lines:
        return None
    index = {saddle: i for i, saddle in enumerate(field.saddles)}
    paid = []
    for saddles, amount in lines:
        p = None
        if field.win is not None and len(saddles) == shape.picks and all(s in index for s in saddles):
            runners = [index[s] for s in saddles]
            p = float(
                engine.combination_probability(
                    field.win, runners, bet_type=shape.code, picks=shape.picks, gamma=gamma, delta=delta, method=METHOD
                )
            )
        paid.append(
            {
                "combination": "-".join(str(s) for s in saddles),
                "saddle_numbers": list(saddles),
                "amount": amount,
                "probability": p,
                "edge": _edge(p, amount) if p is not None else None,
            }
        )
    return {
        "official": card["phase"] == OFFICIAL,
        "arrival": [[field.saddles[i] for i in group] for group in arrival or []],
        "paid": paid,
    }
