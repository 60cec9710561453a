"""The OpenAPI schema says what the API answers: schemathesis drives every operation through the WSGI app.

In-process (the pytest-django database, one transaction per test) rather than against a live server: no
port, no server to start and stop in ``.ci/run``, the same data fixtures as every other test, and a
failure is reported with the case that caused it. Each generated case (valid and invalid inputs, and
schemathesis's boundary values) is sent once as each plan's subscriber, with a Bearer token; every answer
must be no 5xx, a documented status, content type and headers, and a body its schema describes.

``CASES_PER_OPERATION`` keeps the run near a minute on the 2-core CI machine; raise it locally
(``SCHEMATHESIS_CASES=500 make test PYTEST_ARGS=turf/tests/test_schema_conformance.py``) to dig deeper.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.views import APIView

from accounts.services import tokens_issue
from billing.models import Plan
from billing.tests import stripe_stub as stripe_api
from courses.models import RaceStatus
from predictions.models import ModelKind, PublishedPrediction, PublishedStage
from predictions.tests.factories import model_version, predict, race_with, registered_version
from wagering.models import BacktestJob
from wagering.services.bankroll import user_bet_create

# Stripe's API on loopback (billing's fixture): payments answer as on a server that takes them, not 503.
stripe_stub = stripe_api.stripe_stub
CASES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_CASES", "25"))
# The run may not shrink unnoticed: at least this many calls (each case once per plan, schemathesis's coverage
# phase included), all three plans alike.
MIN_CALLS = 9000  # 9618 measured (3206 per plan) with 25 cases per operation
CALLS: Counter[tuple[str, str]] = Counter()  # (plan, "METHOD /path") -> calls made
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance")
CHECKS += ("response_headers_conformance", "response_schema_conformance")


@pytest.fixture
def programme(personas):
    """Today's priced, predicted race (value bets, top picks), yesterday's finished and settled one (history,
    metrics, the backtest), a bet and a backtest job of each subscriber: so that lists have rows to check."""
    today = timezone.localdate()
    version = model_version("market-baseline-1", kind=ModelKind.MARKET, active=True)
    registered_version("combined-all-20251101-1", rerun=True)  # the registry: a trained version beside the market's
    upcoming = race_with(date=today, final=(3.0, 3.0, 3.0), status=RaceStatus.SCHEDULED)
    predict(version, upcoming, (0.5, 0.3, 0.2))
    done = race_with(date=today - dt.timedelta(days=1), positions=(1, 2, 3), win_rapports={1: "2.10"})
    predict(version, done, (0.5, 0.3, 0.2))
    # A race frozen at its off (the history, the metrics and the backtest judge it on its published rows).
    live = race_with(date=today - dt.timedelta(days=1), positions=(2, 1, 3), course=2)
    off = timezone.now() - dt.timedelta(days=1)
    PublishedPrediction.objects.bulk_create(
        PublishedPrediction(
            runner=runner,
            stage=PublishedStage.OFF,
            model_version=version,
            win_probability=p,
            place_probability=p,
            market_probability=p,
            rank=rank,
            odds=Decimal(odds),
            odds_at=off,
            scored_at=off,
            published_at=off,
        )
        for runner, p, rank, odds in zip(
            live.runners.order_by("saddle_number"), (0.4, 0.4, 0.2), (1, 2, 3), ("2.5", "2.5", "5"), strict=True
        )
    )
    for user in (personas["free"], personas["premium"], personas["pro"]):
        bet = {"saddle_number": 1, "bet_type": "simple_gagnant", "stake": Decimal(2), "odds": Decimal(3)}
        user_bet_create(user=user, race_id=upcoming.pk, **bet)
    BacktestJob.objects.create(owner=personas["pro"], start=today - dt.timedelta(days=30), end=today, params={})
    # Room for every generated call: the limits and quotas have their own tests; here each case is counted afresh.
    Plan.objects.update(requests_per_minute=100_000, requests_per_day=1_000_000)


@pytest.fixture
def connection_kept():
    """Keep the database connection across the app's requests, as Django's test client does: the WSGI app closes
    it as a request starts and finishes, and inside the test's transaction (PostgreSQL) that ends the test."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def bearer(personas):
    """The Authorization header of each plan's subscriber."""
    return {
        name: {"Authorization": f"Bearer {tokens_issue(user=personas[name])['access_token']}"}
        for name in ("free", "premium", "pro")
    }


# The schema as /api/v1/schema serves it (its generation reads no database).
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())


def _api_operations(patterns, prefix: str = ""):
    """(method, path) of every API view the URLs route to, as the schema writes its paths."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_operations(pattern.url_patterns, route)
            continue
        view = getattr(pattern.callback, "cls", None)
        if route.startswith("api/v1/") and view and issubclass(view, APIView) and view.schema is not None:
            path = "/" + re.sub(r"<\w+:(\w+)>", r"{\1}", route)
            methods = [method for method in ("get", "post", "put", "patch", "delete") if hasattr(view, method)]
            yield from ((method.upper(), path) for method in methods)


def test_the_run_covers_every_endpoint_of_the_api():
    operations = {(result.ok().method.upper(), result.ok().path) for result in SCHEMA.get_all_operations()}
    routed = set(_api_operations(get_resolver().url_patterns)) - {("GET", "/api/v1/schema"), ("GET", "/api/v1/docs")}
    assert operations == routed and len(operations) == 70


@SCHEMA.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    database=None,  # nothing written into the work tree; each run draws afresh
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_conforms_to_the_schema(case, programme, bearer, connection_kept, stripe_stub):
    from schemathesis import checks as available

    run_checks = [getattr(available, name) for name in CHECKS]
    # The Host header names the server, not an input of the API: Django refuses a host outside ALLOWED_HOSTS
    # before any view runs (a plain 400, the business of the proxy in front), so a generated one is left out.
    if case.headers:
        case.headers = {name: value for name, value in case.headers.items() if name.lower() != "host"}
    for plan, headers in bearer.items():
        cache.clear()  # each plan's call starts with its limits and daily quota whole
        CALLS[plan, f"{case.operation.method.upper()} {case.operation.path}"] += 1
        case.call_and_validate(headers=headers, checks=run_checks)


def test_the_run_made_enough_calls_as_each_plan(capsys):
    """After the run above (pytest keeps a module's order): how many generated calls were checked, per plan."""
    if not CALLS:
        pytest.skip("counts the calls of test_every_answer_conforms_to_the_schema: run the module")
    per_plan = Counter()
    for (plan, _), calls in CALLS.items():
        per_plan[plan] += calls
    operations = {operation for _, operation in CALLS}
    with capsys.disabled():
        print(f"\nschemathesis: {sum(per_plan.values())} calls, {dict(per_plan)}, over {len(operations)} operations")
    assert set(per_plan) == {"free", "premium", "pro"} and len(set(per_plan.values())) == 1
    assert len(operations) == 70
    assert sum(per_plan.values()) >= MIN_CALLS or CASES_PER_OPERATION < 25  # SCHEMATHESIS_CASES lowered on purpose
