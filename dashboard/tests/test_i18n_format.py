"""Numbers, money and dates as the reader writes them: French by default, English after the switch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from dashboard.templatetags.turf_format import money, odds, percent

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (4.5, "4,5", "4.5"),
        (Decimal("12"), "12,0", "12.0"),
        ("3.46", "3,5", "3.5"),
        (1234.5, f"1{NBSP}234,5", "1,234.5"),
    ],
)
def test_a_cote_has_one_decimal(value, fr, en):
    with translation.override("fr"):
        assert odds(value) == fr
    with translation.override("en"):
        assert odds(value) == en


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [(0.234, f"23,4{NBSP}%", "23.4 %"), (1, f"100,0{NBSP}%", "100.0 %"), (Decimal("0.05"), f"5,0{NBSP}%", "5.0 %")],
)
def test_a_probability_is_a_percentage(value, fr, en):
    with translation.override("fr"):
        assert percent(value) == fr
    with translation.override("en"):
        assert percent(value) == en


def test_a_percentage_can_ask_for_more_places():
    with translation.override("fr"):
        assert percent(0.12345, 2) == f"12,35{NBSP}%"


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (85000, f"85{NBSP}000{NBSP}€", "€85,000"),
        (Decimal("12.50"), f"12,50{NBSP}€", "€12.50"),
        (-3.2, f"-3,20{NBSP}€", "-€3.20"),
        (Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}€", "€1,234,567.89"),
        (0, f"0{NBSP}€", "€0"),
    ],
)
def test_money_in_euros(value, fr, en):
    with translation.override("fr"):
        assert money(value) == fr
    with translation.override("en"):
        assert money(value) == en


def test_money_can_always_show_the_cents():
    with translation.override("en"):
        assert money(10, 2) == "€10.00"


@pytest.mark.parametrize("filter_", [odds, percent, money])
@pytest.mark.parametrize("missing", [None, "", "n/a", float("nan")])
def test_nothing_to_show_is_a_dash_never_an_error(filter_, missing):
    assert filter_(missing) == "—"


def test_dates_and_times_follow_the_language():
    template = Template(
        '{% load turf_format %}{{ day|date:"l j F Y" }} · {{ at|time:"TIME_FORMAT" }} · {{ p|percent }}'
    )
    context = Context({"day": dt.date(2026, 12, 5), "at": dt.time(13, 50), "p": 0.5})
    with translation.override("fr"):
        assert template.render(context) == f"samedi 5 décembre 2026 · 13:50 · 50,0{NBSP}%"
    with translation.override("en"):
        assert template.render(context) == "Saturday 5 December 2026 · 1:50 p.m. · 50.0 %"
