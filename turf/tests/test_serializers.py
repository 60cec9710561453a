"""The request fields every endpoint shares read their values as a user writes them."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from django.utils import timezone, translation
from rest_framework import serializers

from accounts.services import tokens_issue
from courses.models import RaceStatus
from predictions.tests.factories import race_with
from turf.serializers import MAX_ID, DayField, StrictSerializer, type_error
from wagering.models import BacktestJob, UserBet


def read(field, value):
    """The field's value, or its message as the API writes it (in English, API_LANGUAGE_CODE, whatever language an
    earlier test left active: outside a request the default is the pages' French)."""
    with translation.override(settings.API_LANGUAGE_CODE):
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


# Every write endpoint, a body it accepts and who sends it; each gets one field it does not know.
WRITES = [
    (
        "/api/v1/auth/register",
        {"email": "new@turf.test", "password": "Correct-Horse-42!", "accept_privacy": True, "adult": True},
        "anonymous",
        "plan",
    ),
    ("/api/v1/auth/login", {"email": "alice@turf.test", "password": "s3cret-Pass!"}, "anonymous", "remember_me"),
    ("/api/v1/auth/refresh", {"refresh_token": "REFRESH"}, "anonymous", "access_token"),
    ("/api/v1/auth/logout", {"refresh_token": "REFRESH"}, "free", "everywhere"),
    (
        "/api/v1/bets",
        {"race_id": "RACE", "saddle_number": 1, "bet_type": "simple_place", "stake": 2, "odds": 3},
        "free",
        "runner_id",
    ),
    ("/api/v1/backtests", {"selection": "value", "start": "2025-11-01", "end": "2025-11-30"}, "pro", "strategy"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url, body, persona, unknown", WRITES)
def test_it_refuses_an_unknown_field_the_same_way_on_every_write_endpoint(api, personas, url, body, persona, unknown):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    race = race_with(final=None, morning=(2.0, 3.0), date=tomorrow, status=RaceStatus.SCHEDULED)
    values = {"RACE": race.pk, "REFRESH": tokens_issue(user=personas["free"])["refresh_token"]}
    users = get_user_model().objects.count()

    response = api.as_user(personas[persona]).post(
        url, {**{name: values.get(value, value) for name, value in body.items()}, unknown: "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{unknown}: unknown field")
    assert get_user_model().objects.count() == users
    assert not UserBet.objects.exists() and not BacktestJob.objects.exists()


def _request_serializers() -> list[type[serializers.Serializer]]:
    """Every request body (a StrictSerializer) and every query (a ``…Params``) the API's views read."""
    get_resolver().url_patterns  # noqa: B018 (resolving the routes imports every view and its serializers)
    found, todo = set(), [serializers.Serializer]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if issubclass(cls, StrictSerializer) or cls.__name__.endswith("Params"):
                found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("serializer", _request_serializers(), ids=lambda cls: cls.__name__)
def test_every_number_list_and_text_a_request_carries_is_bounded(serializer):
    for name, field in serializer().fields.items():
        if isinstance(field, serializers.IntegerField | serializers.FloatField):
            assert field.max_value is not None and field.min_value is not None, name
            assert field.max_value <= MAX_ID, name  # an id or a count fits PostgreSQL's bigint
        elif isinstance(field, serializers.DecimalField):
            assert field.max_digits is not None and field.max_value is not None, name
        elif isinstance(field, serializers.CharField | serializers.ListField):
            assert field.max_length is not None, name


@pytest.mark.parametrize(
    "field, value, text, refused",
    [
        (serializers.IntegerField(), 12, False, False),
        (serializers.IntegerField(), "12", True, False),
        (serializers.IntegerField(), "12", False, True),  # a JSON body says 12, not "12"
        (serializers.IntegerField(), "１２", True, True),  # int() reads full-width digits as 12
        (serializers.IntegerField(), True, False, True),
        (serializers.IntegerField(), 1.5, False, True),
        (serializers.DecimalField(max_digits=5, decimal_places=2), "2.50", False, False),
        (serializers.DecimalField(max_digits=5, decimal_places=2), "", False, True),  # was a lifted limit
        (serializers.DecimalField(max_digits=5, decimal_places=2), "٣", True, True),
        (serializers.FloatField(), "１.５", True, True),
        (serializers.FloatField(), False, False, True),
        (serializers.CharField(), 1e300, False, True),  # 1e400 was stored as the name "inf"
        (serializers.CharField(), "=SUM(1)", False, False),
        (serializers.BooleanField(), "0", False, True),
        (serializers.BooleanField(), "true", True, False),
        (serializers.ListField(child=serializers.CharField()), ["VIN", 3], False, True),
        (DayField(), "２０２６-01-01", False, False),  # a string: DayField itself refuses it (below)
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(field, value, text, refused):
    assert (type_error(field, value, text=text) is not None) == refused


def test_a_day_is_written_in_ascii_digits():
    assert read(DayField(), "２０２６-01-01") == "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw, told",
    [
        ('{"name": "a\\u0000b"}', "U+0000"),
        ('{"name": "\\ud800"}', "U+D800"),
        ('{"\\u0000": 1}', "U+0000"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"name": NaN}', "JSON parse error"),
    ],
)
def test_a_body_no_column_can_hold_is_a_400_at_the_parser(api, personas, raw, told):
    response = api.as_user(personas["premium"]).generic(
        "POST", "/api/v1/auth/api-keys", raw.encode(), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "parse_error" and told in response.json()["message"]
