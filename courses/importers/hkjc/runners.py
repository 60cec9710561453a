"""The runners of one HKJC race from its ``runs`` rows: horse, people, weights, odds, result, sectionals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from courses.models import RunnerStatus, Sex

from ..payloads import HorseRef, PersonRef, RejectRace, RunnerPayload
from ..rows import Row, RowError, extra_number, rejected_at, to_decimal, to_int

POUND_KG = Decimal("0.45359237")
# horse_type mixes sex and coat colour (Brown, Grey, Roan): a colour says nothing about sex.
SEXES = {
    "gelding": Sex.GELDING,
    "mare": Sex.FEMALE,
    "filly": Sex.FEMALE,
    "horse": Sex.MALE,
    "colt": Sex.MALE,
    "rig": Sex.MALE,
}
NO_GEAR = "--"
# HKJC result codes for runners without a finishing place. The Kaggle runs file has none
# (its author kept only numeric places), but a fuller export has them.
RESULT_CODES = {
    "WV": RunnerStatus.NON_PARTANT,  # withdrawn by the vet
    "WV-A": RunnerStatus.NON_PARTANT,
    "WX": RunnerStatus.NON_PARTANT,  # withdrawn by the stewards
    "WX-A": RunnerStatus.NON_PARTANT,
    "WXNR": RunnerStatus.NON_PARTANT,
    "SCR": RunnerStatus.NON_PARTANT,
    "PU": RunnerStatus.PULLED_UP,
    "DNF": RunnerStatus.PULLED_UP,
    "TNP": RunnerStatus.PULLED_UP,  # took no part
    "UR": RunnerStatus.PULLED_UP,  # unseated rider
    "FE": RunnerStatus.FELL,
    "DISQ": RunnerStatus.DISQUALIFIED,
}
DEAD_HEAT_SUFFIX = "DH"  # "2 DH": a shared place
# lengths_behind 999 marks a horse beaten by a distance the source did not measure.
LENGTHS_NOT_MEASURED = Decimal(999)
SECTIONS = 6  # time1..time6, position_sec1..position_sec6: as many sections as the longest race has


def build_runners(rows: list[Row], places: set[int]) -> list[RunnerPayload]:
    """The runners of one race; RowError at the first row that is unusable or repeats a saddle number."""
    runners: list[RunnerPayload] = []
    seen: dict[int, int] = {}
    for row in rows:
        with rejected_at(row.line):
            runner = _runner(row, places)
        saddle = runner.saddle_number
        if saddle in seen:
            raise RowError(row.line, f"horse_no {saddle} appears more than once (also line {seen[saddle]})")
        seen[saddle] = row.line
        runners.append(runner)
    return runners


def _runner(row: Row, places: set[int]) -> RunnerPayload:
    row.check_width()
    saddle = to_int(row.get("horse_no"), "horse_no", blank_ok=False, minimum=1)
    horse_id = row.get("horse_id")
    if not horse_id:
        raise RejectRace("horse_id is missing")
    status, position, extra = _result(row.get("result"))
    lengths, lengths_extra = _lengths_behind(row.get("lengths_behind"))
    extra.update(lengths_extra)
    extra.update(
        declared_weight_lb=extra_number(row.get("declared_weight"), "declared_weight"),
        actual_weight_lb=extra_number(row.get("actual_weight"), "actual_weight"),
    )
    gear = row.get("horse_gear")
    return RunnerPayload(
        saddle_number=saddle,
        horse=HorseRef(
            source_id=horse_id,
            name=f"HK horse {horse_id}",
            sex=SEXES.get(row.get("horse_type").lower(), Sex.UNKNOWN),
            country=row.get("horse_country"),
        ),
        jockey=_person("jockey", row.get("jockey_id")),
        trainer=_person("trainer", row.get("trainer_id")),
        draw=to_int(row.get("draw"), "draw", minimum=0),
        weight_kg=_kg(row.get("actual_weight")),
        age=to_int(row.get("horse_age"), "horse_age", minimum=0),
        rating=to_int(row.get("horse_rating"), "horse_rating", minimum=0),
        equipment="" if gear == NO_GEAR else gear,
        final_odds=to_decimal(row.get("win_odds"), "win_odds"),
        final_place_odds=to_decimal(row.get("place_odds"), "place_odds"),
        status=status,
        position=position,
        placed=(saddle in places) if places else None,
        finish_time=to_decimal(row.get("finish_time"), "finish_time"),
        lengths_behind=lengths,
        early_position=_early_position(row),
        last_section_time=_last_section_time(row),
        extra=extra,
    )


def _early_position(row: Row) -> int | None:
    """The horse's place at the first sectional call (1 = leading): its early speed, its running style."""
    raw = row.optional("position_sec1")
    value = to_decimal(raw, "position_sec1")
    if value is None:
        return None
    if value < 1 or value != value.to_integral_value():
        raise RejectRace(f"position_sec1={raw!r} is not a place (1 or more)")
    return int(value)


def _last_section_time(row: Row) -> Decimal | None:
    """The time of the race's last timed section (how fast it finished), from time1..time6."""
    last = None
    for k in range(1, SECTIONS + 1):
        raw = row.optional(f"time{k}")
        value = to_decimal(raw, f"time{k}")
        if value is not None:
            if value <= 0:
                raise RejectRace(f"time{k}={raw!r} must be a positive number of seconds")
            last = value
    return last


def _result(value: str) -> tuple[str, int | None, dict]:
    """(status, position, extra) for a result cell: a place, "2 DH", or an HKJC code."""
    text = " ".join(value.upper().split())
    if not text:
        raise RejectRace("result is missing")
    if text in RESULT_CODES:
        return RESULT_CODES[text], None, {"result": value}
    place = text.removesuffix(DEAD_HEAT_SUFFIX).strip()
    try:
        position = to_int(place, "result", blank_ok=False)
    except RejectRace:
        raise RejectRace(f"result={value!r} is neither a place nor a known HKJC code") from None
    if position < 1:
        raise RejectRace(f"result={value!r} is not a place (1 or more)")
    # The writer flags dead heats from shared places; the suffix itself adds nothing.
    return RunnerStatus.RUNNER, position, {}


def _lengths_behind(value: str) -> tuple[Decimal | None, dict]:
    """A margin in lengths; the 999 marker and negative margins are kept only as raw text."""
    lengths = to_decimal(value, "lengths_behind")
    if lengths is None:
        return None, {}
    if lengths == LENGTHS_NOT_MEASURED or lengths < 0:
        return None, {"lengths_behind_raw": value}
    return lengths, {}


def _kg(pounds: str) -> Decimal | None:
    weight = to_decimal(pounds, "actual_weight")
    if weight is None:
        return None
    return (weight * POUND_KG).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _person(kind: str, source_id: str) -> PersonRef | None:
    return PersonRef(source_id=source_id, name=f"HK {kind} {source_id}") if source_id else None
