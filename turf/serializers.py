"""Request fields every endpoint reads the same way (a day, an id), and the base of every request body."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping

from rest_framework import serializers

# Looser than the format on purpose: a value of this shape that is not a date is a day that does not
# exist (2026-02-30), and says so, rather than "wrong format".
_DAY_SHAPE = re.compile(r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})$")
# A number as a query or a JSON string writes it: ASCII only (Python's int() and float() read "１２", "٣" or "1_000").
_INTEGER_TEXT = re.compile(r"^-?[0-9]+$")
_NUMBER_TEXT = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
# Every table's key is a BigAutoField: PostgreSQL's bigint, which SQLite's INTEGER also holds.
MAX_ID = 2**63 - 1
# Racing dates Turf can hold: its data begins in the 1980s; past 2999 is a typo. A window of a few years
# around any of them stays a real date (year 1 minus a day is none: a 500 before this bound).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


class DayField(serializers.DateField):
    """A calendar day written YYYY-MM-DD between FIRST_DAY and LAST_DAY; a well-formed one that is not a day
    is refused as such."""

    default_error_messages = {
        "no_month": "{value} is not a day: months run from 01 to 12.",
        "no_day": "{value} is not a day: {month} {year} has {days} days.",
        "out_of_range": f"must be between {FIRST_DAY} and {LAST_DAY}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("invalid", format="YYYY-MM-DD")
        try:
            day = super().to_internal_value(value)
        except serializers.ValidationError:
            shape = _DAY_SHAPE.match(value) if isinstance(value, str) else None
            if shape is None or int(shape["year"]) < 1:
                raise
            year, month = int(shape["year"]), int(shape["month"])
            if not 1 <= month <= 12:
                self.fail("no_month", value=value)
            days = calendar.monthrange(year, month)[1]
            self.fail("no_day", value=value, month=calendar.month_name[month], year=year, days=days)
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail("out_of_range")
        return day


class IdField(serializers.IntegerField):
    """A row's id, 1 to 2^63 − 1: one no table can hold is a 400 naming the field, never a database overflow."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def path_id(name: str, value: str) -> int:
    """The id in a URL's ``name`` segment, digits only; a 400 naming it when it cannot be one."""
    field = IdField()
    try:
        if not (value.isascii() and value.isdigit()):
            field.fail("invalid")  # IntegerField would read "1.0" or " 1" as 1: an address is spelt one way
        return field.run_validation(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None


def type_error(field: serializers.Field, value, *, text: bool) -> str | None:
    """Why ``value`` is not of ``field``'s type as the schema writes it, or None; ``text``: a query's string.

    DRF converts generously: a number into a name (1e400 became "inf"), "0" into false, "１２" into 12, "" into a
    lifted limit. A value of the wrong JSON type, or a number not spelt in ASCII digits, is refused instead.
    """
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if text or isinstance(value, bool) else "must be true or false."
    if isinstance(field, serializers.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if text and isinstance(value, str) and _INTEGER_TEXT.match(value):
            return None
        return "must be a whole number, written in digits 0-9." if text else "must be a whole number (a JSON integer)."
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
            return None
        return "must be a number, written in digits 0-9."
    if isinstance(field, serializers.CharField | serializers.DateField | serializers.ChoiceField):
        return None if isinstance(value, str) else "must be a string."
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return next((error for item in value if (error := type_error(field.child, item, text=text))), None)
    return None


def type_errors(fields: Mapping[str, serializers.Field], data: Mapping, *, text: bool = False) -> dict[str, str]:
    """The fields of ``data`` whose value is not of its field's type (``type_error``), each with why."""
    errors = {}
    for name, field in fields.items():
        if name in data and not field.read_only and (error := type_error(field, data[name], text=text)):
            errors[name] = error
    return errors


class StrictSerializer(serializers.Serializer):
    """A request body: a field it does not know is a 400 naming it, never ignored; a value of the wrong JSON type
    (``type_error``) is a 400 naming its field, never converted."""

    def to_internal_value(self, data):
        # A misspelt or guessed field ("runner_id", "egde") would otherwise be dropped silently, and the
        # write done without what the client meant by it.
        if isinstance(data, Mapping):
            known = [name for name, field in self.fields.items() if not field.read_only]
            unknown = [name for name in data if name not in known]
            if unknown:
                raise serializers.ValidationError(
                    {name: f"unknown field; the fields are {', '.join(known)}." for name in unknown}
                )
            wrong = type_errors(self.fields, data)
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)
