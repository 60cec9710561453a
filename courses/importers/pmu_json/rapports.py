"""A race's rapports définitifs: PMU bet types as ours, and what each combination paid per 1 € staked."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_DOWN, Decimal

from courses.models import BetType

from ..payloads import DividendPayload, RejectRace
from ..rows import ascii_lower, to_decimal

# Bets whose rapports need no libelle to be told apart. The *_INTERNATIONAL pools are the same
# bets sold on foreign races; the E_* pools (PMU's internet-only twins, smaller base stakes)
# are left out: their rapports would collide with the main pool's on the same combinations.
BET_TYPES = {
    "SIMPLE_GAGNANT": BetType.SIMPLE_GAGNANT,
    "SIMPLE_GAGNANT_INTERNATIONAL": BetType.SIMPLE_GAGNANT,
    "SIMPLE_PLACE": BetType.SIMPLE_PLACE,
    "SIMPLE_PLACE_INTERNATIONAL": BetType.SIMPLE_PLACE,
    "COUPLE_GAGNANT": BetType.COUPLE_GAGNANT,
    "COUPLE_PLACE": BetType.COUPLE_PLACE,
    "COUPLE_ORDRE": BetType.COUPLE_ORDRE,
    "COUPLE_ORDRE_INTERNATIONAL": BetType.COUPLE_ORDRE,
    "DEUX_SUR_QUATRE": BetType.DEUX_SUR_QUATRE,
    "TRIO": BetType.TRIO,
    "TRIO_ORDRE": BetType.TRIO_ORDRE,
    "MULTI": BetType.MULTI,
    "PICK5": BetType.PICK5,
}
# Tiercé, quarté+ and quinté+ pay several rapports told apart only by their libelle.
BY_LIBELLE = {
    "TIERCE": (("desordre", BetType.TIERCE_DESORDRE), ("ordre", BetType.TIERCE_ORDRE)),
    "QUARTE_PLUS": (
        ("bonus", BetType.QUARTE_BONUS),
        ("desordre", BetType.QUARTE_DESORDRE),
        ("ordre", BetType.QUARTE_ORDRE),
    ),
    "QUINTE_PLUS": (
        ("bonus 4", BetType.QUINTE_BONUS4),
        ("bonus 3", BetType.QUINTE_BONUS3),
        ("desordre", BetType.QUINTE_DESORDRE),
        ("ordre", BetType.QUINTE_ORDRE),
    ),
}


def offered_bet_types(type_pari: str) -> tuple[str, ...]:
    """Our bet types a pool the programme sells pays (TIERCE: ordre and désordre; QUINTE_PLUS: ordre, désordre and
    the two bonuses); none for the E_* twins and the pools we do not name."""
    if type_pari in BET_TYPES:
        return (BET_TYPES[type_pari],)
    return tuple(bet_type for _, bet_type in BY_LIBELLE.get(type_pari, ()))


def to_bet_type(type_pari: str, libelle: str) -> str | None:
    """Our bet type for a PMU typePari (and libelle); None for the E_* pools we leave out."""
    if type_pari.startswith("E_"):
        return None
    if type_pari in BET_TYPES:
        return BET_TYPES[type_pari]
    for needle, bet_type in BY_LIBELLE.get(type_pari, ()):
        if needle in ascii_lower(libelle):
            return bet_type
    return BetType.OTHER


def dividend_amount(bet: dict, line: dict, name: str) -> Decimal:
    """What one line paid per 1 € staked, in euros."""
    unit = line.get("dividendeUnite") or bet.get("dividendeUnite")
    per_euro = to_decimal(line.get("dividendePourUnEuro"), f"{name} dividendePourUnEuro", places=0)
    if unit != "PourUneMiseDeBase":
        cents = per_euro if per_euro is not None else to_decimal(line.get("dividende"), name, places=0, blank_ok=False)
        return (cents / 100).quantize(Decimal("0.01"))
    # "PourUneMiseDeBase" (quinté+, 2sur4, multi): dividende is what one base stake returned and
    # miseBase is that stake, both in cents — so their ratio is euros returned per euro staked.
    # Quinté+ ordre: 12 635 140 c for a 200 c (2 €) base = 63 175.70 € per 1 €. PMU's own
    # dividendePourUnEuro (6 317 570 c) says the same; a disagreement means we misread the units.
    dividende = to_decimal(line.get("dividende"), f"{name} dividende", places=0, blank_ok=False)
    base = to_decimal(bet.get("miseBase"), f"{name} miseBase", places=0, blank_ok=False)
    if base <= 0:
        raise RejectRace(f"{name}: miseBase {base} is not positive")
    amount = (dividende / base).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if per_euro is not None and abs(per_euro / 100 - amount) >= Decimal("0.01"):
        raise RejectRace(f"{name}: dividende/miseBase = {amount} € but dividendePourUnEuro = {per_euro / 100} €")
    return amount


def build_dividends(data: list, name: str) -> list[DividendPayload]:
    """Every rapport line, refunds ("5-NP", paid 0 here) included, one per (bet type, combination)."""
    lines = []
    for bet in data:
        type_pari = str(bet.get("typePari") or "")
        for line in bet.get("rapports") or []:
            libelle = str(line.get("libelle") or "").strip()
            bet_type = to_bet_type(type_pari, libelle)
            if bet_type is None:
                continue
            combination = str(line.get("combinaison") or "").strip()
            if not combination:
                raise RejectRace(f"{name}: a {type_pari} rapport has no combinaison")
            if bet_type == BetType.OTHER:
                combination = f"{type_pari} {combination}"
            amount = dividend_amount(bet, line, f"{name} {type_pari} {combination}")
            lines.append(DividendPayload(bet_type, combination, amount, libelle[:80]))
    return _distinct(lines)


def _distinct(lines: list[DividendPayload]) -> list[DividendPayload]:
    """Multi en 4/5/6/7 pay one combination four ways: tell those apart by their libelle."""
    keys = Counter((d.bet_type, d.combination) for d in lines)
    seen, kept = set(), []
    for line in lines:
        if keys[(line.bet_type, line.combination)] > 1 and line.label:
            line.combination = f"{line.combination} ({line.label})"[:60]
        key = (line.bet_type, line.combination, line.amount)
        if key not in seen:  # the very same rapport twice is one rapport
            seen.add(key)
            kept.append(line)
    return kept
