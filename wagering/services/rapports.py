"""The rapports (PMU dividends, per 1 unit staked) of a set of races, read in one query: the only reader of them.

A rapport line names the saddle number(s) it pays (``"7"``, ``"7-3"``) and its amount. A race with any
line of a bet type runs that pool; a dead heat has one line per winning combination. Lines that name a non-partant
("NP", "5-NP": the PMU's "rapport spécial" of a combined ticket with a non-partant in it, 0 where it refunds) are
no combination of runners: ``special_lines`` reads them (the partants they name, how many non-partants), the
settlement decides.
The multi pays one combination four ways (multi en 4, 5, 6, 7): each line says which by its label (the importer
then suffixes the combination, ``"7-3-9-13 (Multi en 5)"``); ``picks`` reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Q

from courses.models import BetType, Dividend


def rapport_lines(
    races: Q, bet_type: str, *, picks: int | None = None
) -> Iterator[tuple[int, tuple[int, ...] | None, Decimal]]:
    """(race id, saddle numbers, amount) of each line of ``bet_type`` in the races ``races`` (a Q on Dividend);
    the saddles are None on a line that names no combination of runners (a refund line). With ``picks`` (the
    multi), only the lines of a multi en ``picks``."""
    rows = Dividend.objects.filter(races, bet_type=bet_type).values_list("race_id", "combination", "amount", "label")
    for race_id, text, amount, label in rows:
        if picks is None or multi_picks(label, text) == picks:
            yield race_id, _saddles(text), amount


# "Multi en 5", in the label (or the suffix the importer adds to the combination: "7-3-9-13 (Multi en 5)").
_MULTI = re.compile(r"multi\s+en\s+(\d+)", re.IGNORECASE)


def multi_picks(label: str, combination: str = "") -> int | None:
    """The horses of the multi ticket a line pays (multi en 4..7), from its label or combination; None if unsaid."""
    found = _MULTI.search(label or "") or _MULTI.search(combination or "")
    return int(found.group(1)) if found else None


def _saddles(text: str) -> tuple[int, ...] | None:
    """The saddle numbers a line pays (``"7-3"`` -> (7, 3); ``"7-3-9-13 (Multi en 5)"`` -> (7, 3, 9, 13)); None on
    a refund line (``"NP"``, ``"5-NP"``)."""
    parts = text.split("(")[0].strip().split("-")
    return tuple(int(part) for part in parts) if all(part.strip().isdigit() for part in parts) else None


def special_line(text: str) -> tuple[tuple[int, ...], int] | None:
    """A rapport spécial's (partants it names, in its order; non-partants in it): ``"5-NP"`` -> ((5,), 1),
    ``"3-9-NP"`` -> ((3, 9), 1); None on a line that names no non-partant or anything else."""
    parts = [part.strip() for part in text.split("(")[0].strip().split("-")]
    missing = sum(part.upper() == "NP" for part in parts)
    partants = [part for part in parts if part.upper() != "NP"]
    if not missing or not all(part.isdigit() for part in partants):
        return None
    return tuple(int(part) for part in partants), missing


def race_rapports(*, race_id: int) -> list[dict]:
    """Every rapport line of one race, in one query, as the public race card lists them: by bet type in the PMU's
    order (``BetType``), then by amount. ``saddles`` is None on a refund line (its ``combination`` says which)."""
    order = {code: i for i, code in enumerate(BetType.values)}
    rows = Dividend.objects.filter(race_id=race_id).values_list("bet_type", "label", "combination", "amount")
    lines = [
        {
            "bet_type": bet_type,
            "label": label or (BetType(bet_type).label if bet_type in order else bet_type),
            "combination": combination,
            "saddles": _saddles(combination),
            "picks": multi_picks(label, combination) if bet_type == BetType.MULTI else None,
            "amount": amount,
        }
        for bet_type, label, combination, amount in rows
    ]
    return sorted(lines, key=lambda line: (order.get(line["bet_type"], len(order)), line["amount"]))


def win_dividends(races: Q) -> dict[int, dict[int, Decimal]]:
    """Simple gagnant rapports per race: race id -> {saddle number: amount per 1 unit}; a race with lines of
    the pool but none for a runner (only refunds) maps to an empty dict."""
    paid: dict[int, dict[int, Decimal]] = {}
    for race_id, saddles, amount in rapport_lines(races, BetType.SIMPLE_GAGNANT):
        line = paid.setdefault(race_id, {})
        if saddles is not None and len(saddles) == 1:
            line[saddles[0]] = amount
    return paid


@dataclass
class Rapports:
    """One bet type's rapports of a list of races, in cents, keyed by the race's index in that list."""

    bet_type: str
    present: np.ndarray  # per race: the race has rapports of this bet type
    simple: dict  # (race index, saddle) -> cents
    combination: dict  # (race index, frozenset of saddles) -> cents
    lines: dict = field(
        default_factory=dict
    )  # race index -> [(saddles in the line's order, cents)]: the combined types' lines
    # race index -> [(partants in the line's order, non-partants, cents)]: the rapports spéciaux (``special_line``)
    special: dict = field(default_factory=dict)


def rapports_load(race_ids: np.ndarray, races: Q, bet_type: str, *, picks: int | None = None) -> Rapports:
    """The ``bet_type`` rapports of the races ``race_ids`` (``races``: a Q on Dividend that covers them); the
    multi's of a multi en ``picks``."""
    index = {int(r): i for i, r in enumerate(np.asarray(race_ids).tolist())}
    present = np.zeros(len(index), dtype=bool)
    simple, combination, lines, special = {}, {}, {}, {}
    rows = Dividend.objects.filter(races, bet_type=bet_type).values_list("race_id", "combination", "amount", "label")
    for race_id, text, amount, label in rows:
        race = index.get(race_id)
        if race is None or (picks is not None and multi_picks(label, text) != picks):
            continue
        present[race] = True
        saddles = _saddles(text)
        cents = int(amount * 100)
        if saddles is None:
            spec = special_line(text)
            if spec is not None:
                special.setdefault(race, []).append((*spec, cents))
            continue
        if len(saddles) == 1:
            simple[(race, saddles[0])] = cents
        else:
            combination[(race, frozenset(saddles))] = cents
            lines.setdefault(race, []).append((saddles, cents))
    return Rapports(
        bet_type=bet_type, present=present, simple=simple, combination=combination, lines=lines, special=special
    )
