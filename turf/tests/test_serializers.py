"""The request fields every endpoint shares read their values as a user writes them."""

import datetime as dt

import pytest
from rest_framework import serializers

from turf.serializers import DayField


def read(field, value):
    try:
        return field.run_validation(value)
    except serializers.ValidationError as exc:
        return str(exc.detail[0])


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2026-02-30", "2026-02-30 is not a day: February 2026 has 28 days."),
        ("2025-02-29", "2025-02-29 is not a day: February 2025 has 28 days."),
        ("2026-04-31", "2026-04-31 is not a day: April 2026 has 30 days."),
        ("2026-01-00", "2026-01-00 is not a day: January 2026 has 31 days."),
        ("2026-13-01", "2026-13-01 is not a day: months run from 01 to 12."),
        ("05/11/2025", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ("0000-01-01", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    ],
)
def test_it_tells_a_day_that_does_not_exist_from_a_malformed_date(value, expected):
    assert read(DayField(), value) == expected
