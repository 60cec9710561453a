"""How the pages write numbers, in the reader's language: cotes, probabilities, money; a dash where there is none.

French (the default) and English, from the active language (``LocaleMiddleware``): a cote ``4,5`` / ``4.5``, a
probability ``23,4 %`` / ``23.4 %``, a prize ``85 000 €`` / ``€85,000``. Dates and times use Django's ``date`` and
``time`` filters, localised by the same language (``{{ day|date:"DATE_FORMAT" }}``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.translation import get_language, gettext

from courses.models import BetType

from ..pages.backtests import CHOICE_LABELS

register = template.Library()

NONE = "—"
NBSP = "\xa0"  # French puts a no-break space before % and €, and between thousands


def _number(value, digits: int) -> str:
    """``value`` rounded to ``digits`` places, with the active language's separators and thousands grouped."""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)  # 12.345 -> 12.35
    text = formats.number_format(rounded, digits, force_grouping=True)
    return text.replace(" ", NBSP)


def _french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@register.filter
def percent(value, digits: int = 1) -> str:
    """A probability as a percentage: 0.234 -> "23,4 %" (French) / "23.4 %" (English); None -> "—"."""
    number = _decimal(value)
    if number is None:
        return NONE
    text = _number(number * 100, int(digits))
    return f"{text}{NBSP}%" if _french() else f"{text} %"


@register.filter
def odds(value) -> str:
    """A cote with one decimal: 4.5 -> "4,5" (French) / "4.5" (English); None -> "—"."""
    number = _decimal(value)
    return NONE if number is None else _number(number, 1)


@register.filter
def money(value, digits=None) -> str:
    """An amount in euros: 85000 -> "85 000 €" (French) / "€85,000" (English); cents shown when there are any
    (12.5 -> "12,50 €"), or always with ``money:2``; None -> "—"."""
    number = _decimal(value)
    if number is None:
        return NONE
    places = int(digits) if digits not in (None, "") else (0 if number == number.to_integral_value() else 2)
    text = _number(abs(number), places)
    sign = "-" if number < 0 and text.strip("0,.\xa0") else ""
    return f"{sign}{text}{NBSP}€" if _french() else f"{sign}€{text}"


@register.filter
def choice(code) -> str:
    """A strategy's or a bet's code as the pages name it: the backtest form's label (``value`` → "Value bets"),
    else the bet type's (``tierce_ordre`` → "Tiercé ordre"), else the code."""
    code = "" if code is None else str(code)
    if code in CHOICE_LABELS:
        return str(CHOICE_LABELS[code])
    return str(BetType(code).label) if code in BetType.values else code


@register.filter(name="gettext")
def gettext_filter(text) -> str:
    """A stored English label (a prediction's reasons: ``predictions.services.features.labels``, marked for the
    catalogue) in the reader's language."""
    return gettext(str(text)) if text else ""
