"""Query parameters every list and window of the API shares: a page, a day, a date window.

Each endpoint's own parameters build on these serializers; a bad value is a 400 that names it. Every
number and date is bounded, so that no value, however large, reaches the database or date arithmetic
(a 400-digit offset was a 500: too large for an SQL integer).
"""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.utils import timezone
from rest_framework import serializers

from .serializers import DayField, type_errors

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Beyond any list Turf holds, well inside every database's integers.
MAX_OFFSET = 1_000_000_000
MAX_WINDOW_DAYS = 3660


def limit_field(default: int) -> serializers.IntegerField:
    """A page size, ``default`` unless given; served at MAX_LIMIT at most (PageParams.validate_limit)."""
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_OFFSET,
        default=default,
        help_text=f"page size, default {default}; a larger one than {MAX_LIMIT} is served at {MAX_LIMIT}",
    )


class PageParams(serializers.Serializer):
    limit = limit_field(DEFAULT_LIMIT)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0, help_text="rows skipped")

    def validate_limit(self, value: int) -> int:
        return min(value, MAX_LIMIT)  # a larger page is served at the maximum, as DRF's paginators do


class DayParams(serializers.Serializer):
    date = DayField(required=False, help_text="YYYY-MM-DD, default today (Europe/Paris)")

    def validate(self, attrs):
        attrs.setdefault("date", timezone.localdate())
        return attrs


class DayPageParams(DayParams, PageParams):
    pass


def check_window(start: dt.date, end: dt.date) -> None:
    """A date window runs forwards and spans at most MAX_WINDOW_DAYS; a 400 naming ``start`` otherwise."""
    if start > end:
        raise serializers.ValidationError({"start": "must be on or before end."})
    if (end - start).days > MAX_WINDOW_DAYS:
        raise serializers.ValidationError({"start": f"the window may span at most {MAX_WINDOW_DAYS} days."})


class WindowParams(serializers.Serializer):
    """A date window, ``start``..``end`` inclusive; defaults to the last 30 days up to yesterday."""

    start = DayField(required=False)
    end = DayField(required=False)

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate() - dt.timedelta(days=1)
        start = attrs.get("start") or end - dt.timedelta(days=29)
        check_window(start, end)
        attrs.update(start=start, end=end)
        return attrs


def query_read(serializer_class: type[serializers.Serializer], query: QueryDict, *, blank_is_default=False) -> dict:
    """Validate a request's query with ``serializer_class``: a bad or repeated parameter is a 400 naming it.

    ``blank_is_default``: an emptied field of a page's own form (the calendar, min. odds) means its default.
    The query classes are pure functions of the query and the day (a default date): a valid one this process has
    read today is not read again (``VALID_QUERIES_MAX`` of them are kept).
    """
    items = tuple(sorted((name, tuple(values)) for name, values in query.lists()))
    key = (serializer_class, blank_is_default, items, timezone.localdate())
    valid = _valid_queries.get(key)
    if valid is not None:
        return dict(valid)
    valid = _query_read(serializer_class, query, blank_is_default=blank_is_default)
    if len(_valid_queries) >= VALID_QUERIES_MAX:
        _valid_queries.clear()
    _valid_queries[key] = valid
    return dict(valid)


VALID_QUERIES_MAX = 1024
_valid_queries: dict[tuple, dict] = {}


def _query_read(serializer_class, query: QueryDict, *, blank_is_default: bool) -> dict:
    repeated = next((name for name, values in query.lists() if len(values) > 1), None)
    if repeated is not None:
        raise serializers.ValidationError({repeated: "give this parameter once."})
    data = {name: value for name, value in query.items() if not (blank_is_default and not value.strip())}
    serializer = serializer_class(data=data)
    wrong = type_errors(serializer.fields, data, text=True)
    if wrong:
        raise serializers.ValidationError(wrong)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
