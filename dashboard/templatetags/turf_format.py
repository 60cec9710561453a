"""How the dashboard writes numbers: probabilities as percentages, a dash where there is none."""

from __future__ import annotations

from django import template

register = template.Library()

NONE = "—"


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.2345 -> "23.5 %"; None -> "—"."""
    if value is None or value == "":
        return NONE
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def odds(value) -> str:
    """Decimal odds with two places; None -> "—"."""
    return NONE if value is None else f"{float(value):.2f}"
