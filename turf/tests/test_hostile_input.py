"""Hostile input, every parameter of every endpoint: never a 500, every refusal in the envelope, nothing stored.

The operations and their parameters come from the OpenAPI schema drf-spectacular generates (the one the API
serves), so an endpoint or a parameter added tomorrow is fuzzed without a line here; a request body needs a
valid example in ``BODIES`` (a test fails for an operation with a body and no example). Each case changes one
input of that valid request — a query, path or header parameter, or a body field — to one hostile value, and
is sent as a pro subscriber (every feature) inside a savepoint rolled back after it, so cases do not see each
other's writes. A case must:

- never answer 5xx;
- answer any 4xx in the envelope, with the stable code of its status, and store nothing (the row count of every
  table is the same before and after);
- answer 4xx when the value breaks what the schema promises (a type, a bound, a format, an enum, a length) or
  carries a NUL byte or a lone surrogate. Free text that is only odd (SQL, a formula, HTML, RTL overrides,
  emoji) may be stored: it is data, handed back as JSON, and CSV exports neutralise formulas.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.services import tokens_issue
from alerts.models import Alert, Event, EventType, WatchlistEntry, WebhookEndpoint
from billing.models import Plan
from courses.models import RaceStatus
from predictions.models import ModelKind
from predictions.tests.factories import model_version, predict, race_with
from turf.errors import ERROR_CODES
from turf.serializers import FIRST_DAY, LAST_DAY
from wagering.models import BacktestJob
from wagering.services.bankroll import user_bet_create

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Pass!"  # the personas' (turf/tests/conftest.py)
# Substituted by the fixtures' values when a case is sent.
RACE_ID, BET_ID, JOB_ID, KEY_ID, REFRESH = "{race_id}", "{bet_id}", "{job_id}", "{key_id}", "{refresh}"
HORSE_ID, ENTRY_ID = "{horse_id}", "{entry_id}"
ALERT_ID = "{alert_id}"
WEBHOOK_ID = "{webhook_id}"

# A valid request body of every operation that reads one; each case spoils one field of it.
BODIES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/auth/account"): {"full_name": "Pierre Martin"},
    # The erasure's body is read but not in the schema (OpenAPI 3.0 tools drop DELETE bodies).
    ("DELETE", "/api/v1/auth/account"): {"password": PASSWORD},
    ("POST", "/api/v1/auth/account/marketing"): {"opt_in": True},
    ("POST", "/api/v1/auth/api-keys"): {"name": "nightly export"},
    ("POST", "/api/v1/auth/email/confirm"): {"code": "123456"},
    ("POST", "/api/v1/auth/login"): {"email": "pierre@turf.test", "password": PASSWORD},
    ("POST", "/api/v1/auth/logout"): {"refresh_token": REFRESH},
    ("POST", "/api/v1/auth/password/change"): {"current_password": PASSWORD, "new_password": "An0ther-Secret!"},
    ("POST", "/api/v1/auth/password/forgot"): {"email": "pierre@turf.test"},
    ("POST", "/api/v1/auth/password/reset"): {"uid": "MQ", "token": "abc-123", "new_password": "An0ther-Secret!"},
    ("POST", "/api/v1/auth/refresh"): {"refresh_token": REFRESH},
    ("POST", "/api/v1/auth/register"): {
        "email": "newcomer@turf.test",
        "password": "An0ther-Secret!",
        "accept_privacy": True,
        "adult": True,
        "marketing_opt_in": False,
        "full_name": "New Comer",
    },
    ("POST", "/api/v1/auth/self-exclusion"): {"days": 30},
    ("POST", "/api/v1/auth/verify"): {"code": "123456"},
    ("POST", "/api/v1/auth/verify/resend"): {"email": "pierre@turf.test"},
    ("POST", "/api/v1/backtests"): {
        "start": "2026-01-01",
        "end": "2026-01-31",
        "selection": "value",
        "edge": 0.05,
        "min_odds": 2.0,
        "discipline": ["plat"],
        "racecourse": ["VIN"],
        "staking": "flat",
        "stake": "1.00",
        "bankroll": "100.00",
        "seed": 1,
    },
    ("POST", "/api/v1/bets"): {
        "race_id": RACE_ID,
        "saddle_number": 2,
        "bet_type": "simple_gagnant",
        "stake": "2.00",
        "odds": "3.00",
    },
    ("PUT", "/api/v1/alerts/preferences"): {
        "preferences": [
            {"event_type": "odds.moved", "channels": ["in_app", "email"], "odds_move_percent": "25.0"},
            {"event_type": "race.result", "channels": ["webhook"]},
        ]
    },
    ("PUT", "/api/v1/bets/limits"): {"stake_day": "50.00", "stake_week": "100.00", "loss_month": "200.00"},
    ("POST", "/api/v1/billing/checkout"): {"plan": "premium"},
    ("POST", "/api/v1/watchlist"): {"type": "horse", "id": HORSE_ID},
    ("POST", "/api/v1/billing/webhook"): {"id": "evt_1", "type": "invoice.paid", "data": {"object": {}}},
    # A literal public address: registering it needs no DNS, and nothing is sent (the test event's task is queued
    # on commit, and every case is rolled back).
    ("POST", "/api/v1/webhooks"): {"url": "https://93.184.216.34/turf", "events": ["valuebet.created"]},
}
# A valid value of each path parameter.
PATH_VALUES = {
    "race_id": RACE_ID,
    "bet_id": BET_ID,
    "job_id": JOB_ID,
    "key_id": KEY_ID,
    "entry_id": ENTRY_ID,
    "alert_id": ALERT_ID,
    "webhook_id": WEBHOOK_ID,
    "code": "R1C1",
    "day": "2025-11-05",
}

NINES = "9" * 400
LONG = "A" * 20_000
# Hostile values of a query, path or header parameter (a string on the wire). Every parameter gets the values
# of a number, a date and poisoned text; free text gets the payloads too. A typed parameter (a number, a date,
# an enum) refuses all payloads alike, as not of its type: two stand for the rest there, to keep the run short.
EDGE_TEXT = [
    "",
    " ",
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "-1",
    "0",
    NINES,
    "-" + NINES,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "\x00",
    "1\x00",
    "１２",  # full-width digits: Python's int() reads 12
    "0000-00-00",
    "0000-01-01",
    "9999-12-31",
    "2026-02-30",
    "10000-01-01",
    "２０２６-01-01",
]
PAYLOAD_TEXT = [
    "'; DROP TABLE accounts_user; --",
    "<script>alert(1)</script>",
    "1 OR 1=1",
    '=HYPERLINK("http://evil.test","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\u202e1",  # right-to-left override
    "\u200b1",  # zero-width space
    "\U0001f40e",  # emoji
    LONG,
]
# Hostile JSON values of a body field, as raw JSON text (NaN, a 400-digit number and a lone surrogate cannot be
# written by json.dumps).
EDGE_JSON = [json.dumps(value) for value in EDGE_TEXT] + [
    "null",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    '{"$gt": ""}',
    NINES,
    "-" + NINES,
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "-1",
    "0",
    "1.5",
    '"\\ud800"',  # a lone surrogate, escaped: UTF-8 cannot encode it
    '"a\\u0000b"',
    "[" * 50 + "]" * 50,
]
# Hostile bodies, whole: not an object, not JSON, nested past Python's recursion limit.
DOCUMENTS = ["[]", "null", "123", '"x"', "{", '{"a": 1,}', "NaN", '"\\ud800"', "[" * 100_000 + "]" * 100_000]
PAYLOAD_JSON = [json.dumps(value) for value in PAYLOAD_TEXT]


def hostile_values(rule: dict, *, body: bool) -> list[str]:
    edge, payloads = (EDGE_JSON, PAYLOAD_JSON) if body else (EDGE_TEXT, PAYLOAD_TEXT)
    typed = "enum" in rule or rule.get("type") not in ("string", None) or "format" in rule
    return edge + (payloads[:2] if typed else payloads)


# -- the cases, from the schema -------------------------------------------------------------------------


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _schema()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    where: str  # query, path, header, body (one field) or document (the whole body)
    name: str
    value: str  # as sent: a parameter's text, or a body field's raw JSON
    rule: dict  # the parameter's or the field's schema

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name}={self.value[:40]!r}"


def operations() -> Iterator[tuple[str, str, dict]]:
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def _body_fields(method: str, path: str, operation: dict) -> dict[str, dict]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    fields = dict(_resolve(content["schema"]).get("properties", {})) if content else {}
    for name in BODIES.get((method, path), {}):
        fields.setdefault(name, {})
    return fields


def cases() -> list[Case]:
    found = []
    for method, path, operation in operations():
        for parameter in operation.get("parameters", []):
            where, rule = parameter["in"], _resolve(parameter.get("schema", {}))
            values = hostile_values(rule, body=False)
            found += [Case(method, path, where, parameter["name"], value, rule) for value in values]
        if (method, path) in BODIES:
            found += [Case(method, path, "document", "", value, {"type": "object"}) for value in DOCUMENTS]
        for name, rule in _body_fields(method, path, operation).items():
            rule = _resolve(rule)
            found += [Case(method, path, "body", name, value, rule) for value in hostile_values(rule, body=True)]
    return found


CASES = cases()


# -- what the schema promises -------------------------------------------------------------------------

_INTEGER = re.compile(r"^-?[0-9]+$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _poisoned(value) -> bool:
    """A NUL byte or a lone surrogate: text no column holds (PostgreSQL refuses both)."""
    return any("\x00" in text or re.search("[\ud800-\udfff]", text) for text in _strings(value))


def _within(number, rule: dict) -> bool:
    if "minimum" in rule and number < rule["minimum"]:
        return False
    return "maximum" not in rule or number <= rule["maximum"]


def _conforms(value, rule: dict, *, text: bool) -> bool:
    """Whether ``value`` is one the schema's ``rule`` allows (``text``: a parameter, written as a string)."""
    if _poisoned(value):
        return False
    if "enum" in rule:
        return value in [*rule["enum"], *([None] if rule.get("nullable") else [])]
    if value is None:
        return bool(rule.get("nullable"))
    kind = rule.get("type")
    if kind == "integer":
        if text:
            return isinstance(value, str) and bool(_INTEGER.match(value)) and _within(int(value), rule)
        return type(value) is int and _within(value, rule)
    if kind == "number":
        try:
            number = float(value) if text or isinstance(value, str) else value
        except (TypeError, ValueError):
            return False
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            return False
        return _within(number, rule)
    if kind == "boolean":
        return value in (("true", "false") if text else (True, False))
    if kind == "array":
        return isinstance(value, list) and all(
            _conforms(item, _resolve(rule.get("items", {})), text=False) for item in value
        )
    if kind == "object":
        return isinstance(value, dict)
    if kind == "string":
        if not isinstance(value, str):
            return False
        if len(value) < rule.get("minLength", 0) or len(value) > rule.get("maxLength", math.inf):
            return False
        if rule.get("format") == "date":
            if not _DAY.match(value):
                return False
            try:
                return FIRST_DAY <= dt.date.fromisoformat(value) <= LAST_DAY
            except ValueError:
                return False
        if rule.get("format") == "decimal":
            try:
                number = Decimal(value)
            except ArithmeticError:
                return False
            return number.is_finite() and _within(
                number, {k: Decimal(str(v)) for k, v in rule.items() if k in ("minimum", "maximum")}
            )
        if rule.get("format") == "email":
            return "@" in value
        if "pattern" in rule:
            return re.search(rule["pattern"], value) is not None
    return True


def must_refuse(case: Case) -> bool:
    if case.where in ("body", "document"):
        try:
            value = json.loads(case.value)
        except (ValueError, RecursionError):
            return True
        return not _conforms(value, case.rule, text=False)
    return not _conforms(case.value, case.rule, text=True)


# -- the world the cases run in ------------------------------------------------------------------------


def _row_counts() -> tuple[int, ...]:
    """Every table's row count, in one query."""
    tables = sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        return tuple(cursor.fetchone())


@pytest.fixture
def world(pro_user, other_user, stripe_stub, plans_sold):
    """Today's priced race, a bet, a backtest job and an API key of the pro subscriber: every path has a valid id."""
    from accounts.services.api_keys import api_key_create

    pro_user.email_verified_at = timezone.now()
    pro_user.save(update_fields=["email_verified_at"])
    version = model_version("market-baseline-1", kind=ModelKind.MARKET, active=True)
    race = race_with(date=timezone.localdate(), final=(3.0, 3.0, 3.0), status=RaceStatus.SCHEDULED)
    predict(version, race, (0.5, 0.3, 0.2))
    bet = user_bet_create(
        user=pro_user, race_id=race.pk, saddle_number=1, bet_type="simple_gagnant", stake=Decimal(2), odds=Decimal(3)
    )
    job = BacktestJob.objects.create(owner=pro_user, start=race.meeting.date, end=race.meeting.date, params={})
    key = api_key_create(user=pro_user, name="script", address="127.0.0.1").api_key
    followed, to_follow = (runner.horse for runner in race.runners.order_by("saddle_number")[:2])
    entry = WatchlistEntry.objects.create(user=pro_user, kind="horse", horse=followed)
    event = Event.objects.create(type=EventType.RUNNER_DECLARED, key="runner.declared:hostile", race=race)
    alert = Alert.objects.create(user=pro_user, event=event)
    hook = WebhookEndpoint.objects.create(
        user=pro_user, url="https://93.184.216.34/turf", events=["race.result"], secret="whsec_w"
    )
    Plan.objects.update(requests_per_minute=1_000_000, requests_per_day=10_000_000)
    tokens = tokens_issue(user=pro_user)
    return {
        "user": pro_user,
        "auth": f"Bearer {tokens['access_token']}",
        "values": {
            RACE_ID: str(race.pk),
            BET_ID: str(bet.pk),
            JOB_ID: str(job.pk),
            KEY_ID: str(key.pk),
            HORSE_ID: str(to_follow.pk),
            ENTRY_ID: str(entry.pk),
            ALERT_ID: str(alert.pk),
            WEBHOOK_ID: str(hook.pk),
            REFRESH: tokens["refresh_token"],
        },
    }


def _fill(text: str, values: dict) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _fill_json(text: str, values: dict) -> str:
    """``_fill`` in JSON text: an id is a number there."""
    for placeholder, value in values.items():
        text = text.replace(json.dumps(placeholder), value if value.isdigit() else json.dumps(value))
    return text


def send(client, world, method: str, path: str, *, spoil: Case | None = None):
    """The valid request of ``method path``, with ``spoil``'s input replaced by its hostile value."""
    from urllib.parse import quote

    values = world["values"]
    path_values = {name: _fill(value, values) for name, value in PATH_VALUES.items()}
    query, headers = {}, {"HTTP_AUTHORIZATION": world["auth"]}
    body = BODIES.get((method, path))
    raw_body = None if body is None else _fill_json(json.dumps(body), values)
    if spoil is not None:
        if spoil.where == "path":
            path_values[spoil.name] = spoil.value
        elif spoil.where == "query":
            query[spoil.name] = spoil.value
        elif spoil.where == "document":
            raw_body = spoil.value
        elif spoil.where == "header":
            headers["HTTP_" + spoil.name.upper().replace("-", "_")] = spoil.value
        else:
            marker = "\x01hostile\x01"
            spoiled = {**(body or {}), spoil.name: marker}
            raw_body = _fill_json(json.dumps(spoiled), values).replace(json.dumps(marker), spoil.value)
    url = re.sub(r"\{(\w+)\}", lambda match: quote(path_values[match[1]], safe=""), path)
    query_string = "&".join(f"{quote(name)}={quote(value, safe='')}" for name, value in query.items())
    extra = {"QUERY_STRING": query_string, **headers}
    if raw_body is None:
        return client.generic(method, url, **extra)
    return client.generic(method, url, raw_body.encode("utf-8", "surrogatepass"), "application/json", **extra)


def check(client, world, case: Case, before: tuple[int, ...]) -> str | None:
    """What is wrong with the answer to ``case``, or None; ``before``: the row counts every case starts from."""
    cache.clear()  # the account's limits and lock-outs start whole: each case is judged alone
    with transaction.atomic():
        response = send(client, world, case.method, case.path, spoil=case)
        after = _row_counts() if response.status_code >= 400 else before
        transaction.set_rollback(True)
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if status >= 400:
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"{status} outside the envelope: {response.content[:120]!r}"
        envelope = {"status": "error", "code": status}
        if {key: body.get(key) for key in envelope} != envelope or not body.get("message"):
            return f"{status} outside the envelope: {body}"
        if not ERROR_CODES.get(body.get("error"), "").endswith(f"({status})"):  # each code says its status
            return f"{status} with error {body.get('error')!r}"
        if before != after:
            return f"{status} yet rows were stored"
    elif must_refuse(case):
        return f"{status}: accepted a value the schema does not allow"
    return None


# -- the tests ------------------------------------------------------------------------------------------


def test_the_fuzz_covers_every_operation_parameter_and_body_field(capsys):
    """Every operation of the schema, every one of its parameters and body fields; enough cases to mean something."""
    covered = {(case.method, case.path) for case in CASES}
    with_input = {
        (method, path)
        for method, path, operation in operations()
        if operation.get("parameters") or operation.get("requestBody") or (method, path) in BODIES
    }
    assert covered == with_input
    missing = [
        (method, path)
        for method, path, operation in operations()
        if operation.get("requestBody") and (method, path) not in BODIES
    ]
    assert not missing, f"give a valid example body in BODIES for {missing}"
    with capsys.disabled():
        print(f"\nhostile input: {len(CASES)} cases over {len(covered)} operations")
    assert len(CASES) >= 4000


@pytest.mark.parametrize(("method", "path"), sorted(BODIES))
def test_every_example_body_is_a_valid_request(api, world, method, path):
    """The baseline the fuzz spoils is valid: a spoiled field is judged on its own, not drowned out by others."""
    cache.clear()
    with transaction.atomic():
        response = send(api, world, method, path)
        transaction.set_rollback(True)
    # Codes and the reset link are single-use secrets the example cannot know; the webhook is unsigned on purpose.
    refused_after_validation = {
        "/api/v1/auth/email/confirm",
        "/api/v1/auth/verify",
        "/api/v1/auth/password/reset",
        "/api/v1/billing/webhook",
    }
    assert b"unknown field" not in response.content
    assert response.status_code < 300 or (path in refused_after_validation and response.status_code in (400, 409)), (
        response.content
    )


@pytest.mark.parametrize(("method", "path"), sorted({(case.method, case.path) for case in CASES}))
def test_hostile_values_are_refused_in_the_envelope_and_store_nothing(api, world, method, path):
    failures, before = [], _row_counts()  # each case is rolled back: all start from these counts
    for case in (case for case in CASES if (case.method, case.path) == (method, path)):
        problem = check(api, world, case, before)
        if problem:
            failures.append(f"{case.id}: {problem}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
