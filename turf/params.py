"""Query parameters every list and window of the API shares: a page, a day, a date window.

Each endpoint's own parameters build on these serializers; a bad value is a 400 that names it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from .serializers import DayField

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_WINDOW_DAYS = 3660


class PageParams(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=0, default=DEFAULT_LIMIT, help_text=f"page size, default {DEFAULT_LIMIT}, at most {MAX_LIMIT}"
    )
    offset = serializers.IntegerField(min_value=0, default=0)

    def validate_limit(self, value: int) -> int:
        return min(value, MAX_LIMIT)  # a larger page is served at the maximum, as DRF's paginators do


class DayParams(serializers.Serializer):
    date = DayField(required=False)

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
