"""Request fields every endpoint reads the same way (a day, an id), and the base of every request body."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping

from rest_framework import serializers

# Looser than the format on purpose: a value of this shape that is not a date is a day that does not
# exist (2026-02-30), and says so, rather than "wrong format".
_DAY_SHAPE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
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


class StrictSerializer(serializers.Serializer):
    """A request body: a field it does not know is a 400 naming it, never ignored."""

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
        return super().to_internal_value(data)
