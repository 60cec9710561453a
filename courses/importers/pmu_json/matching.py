"""Which race a participants or rapports file belongs to: neither names its race, so each is
matched by a ``R1_C1``-style file name where there is one, always checked against the race's
finishing order."""

from __future__ import annotations

import re

from courses.models import BetType

from .programme import PARTICIPANTS, Course, PmuFile, arrival_positions, small_int
from .rapports import to_bet_type

# Rapports whose combination is the finishing order itself (checked when matching a file).
ORDERED_BETS = frozenset(
    {
        BetType.SIMPLE_GAGNANT,
        BetType.COUPLE_ORDRE,
        BetType.TRIO_ORDRE,
        BetType.TIERCE_ORDRE,
        BetType.QUARTE_ORDRE,
        BetType.QUINTE_ORDRE,
    }
)
# No other PMU bet pays a horse finishing worse than fifth.
LAST_PAID_PLACE = 5
RC_IN_NAME = re.compile(r"R(\d+)[_-]?C(\d+)(?!\d)", re.IGNORECASE)


def attach(file: PmuFile, courses: list[Course]) -> str:
    """Attach a participants or rapports file to its race; return why not, or ''."""
    same_folder = [c for c in courses if c.programme.parent == file.path.parent]
    candidates = same_folder or courses
    if not candidates:
        return f"{file.kind} file with no programme to match it to"
    fits = _participants_fit if file.kind == PARTICIPANTS else _rapports_fit
    named = RC_IN_NAME.search(file.path.stem)
    if named:
        wanted = (int(named.group(1)), int(named.group(2)))
        candidates = [c for c in candidates if (c.meeting, c.number) == wanted]
        if not candidates:
            return f"named R{wanted[0]}C{wanted[1]} but no programme race of its folder is R{wanted[0]}C{wanted[1]}"
        if len(candidates) == 1:
            verdict = fits(candidates[0], file.data)
            if verdict is False:
                return f"named {candidates[0].location} but its finishing order contradicts that race's"
            return _claim(file, candidates[0])
    matches = [c for c in candidates if fits(c, file.data)]
    if len(matches) == 1:
        return _claim(file, matches[0])
    if not matches:
        return f"race cannot be identified: its {file.kind} fit none of the {len(candidates)} programme race(s)"
    names = ", ".join(c.location for c in matches[:5])
    return f"race cannot be identified: its {file.kind} fit {len(matches)} races ({names})"


def _claim(file: PmuFile, course: Course) -> str:
    if getattr(course, file.kind) is not None:
        return f"{course.location} already has a {file.kind} file ({getattr(course, file.kind).path.name})"
    setattr(course, file.kind, file)
    return ""


def _participants_fit(course: Course, data: dict) -> bool | None:
    """True if the runners' finishing orders agree with the race's and at least one is placed;
    False on a contradiction; None when nothing can be compared."""
    arrival = arrival_positions(course.course)
    listed = len(arrival)
    compared = False
    for runner in data["participants"]:
        number, place = small_int(runner.get("numPmu")), small_int(runner.get("ordreArrivee"))
        if number is None:
            continue
        if number in arrival:
            if place is not None and place != arrival[number]:
                return False
            compared = compared or place is not None
        elif place is not None and place <= listed:
            return False
    return True if compared else None


def _rapports_fit(course: Course, data: list) -> bool | None:
    """True if every paid combination agrees with the race's finishing order and at least one
    names the winner or an exact order; False on a contradiction; None when undecided."""
    arrival = arrival_positions(course.course)
    listed = len(arrival)
    decisive = False
    for bet in data:
        for line in bet.get("rapports") or []:
            bet_type = to_bet_type(str(bet.get("typePari", "")), str(line.get("libelle", "")))
            numbers = [int(n) for n in str(line.get("combinaison", "")).split("-") if n.strip().isdigit()]
            if bet_type in (None, BetType.PICK5, BetType.OTHER) or not numbers:
                continue  # a pick 5 spans five races; unknown bets prove nothing
            if bet_type in ORDERED_BETS:
                for index, number in enumerate(numbers[: 1 if bet_type == BetType.SIMPLE_GAGNANT else None]):
                    # "<=": a horse dead-heating for a better place also fills this one
                    if index < listed and not 0 < arrival.get(number, 0) <= index + 1:
                        return False
                decisive = decisive or listed > 0
            for number in numbers:
                if number not in arrival and listed >= LAST_PAID_PLACE:
                    return False
                if arrival.get(number, 0) > LAST_PAID_PLACE:
                    return False
    return True if decisive else None
