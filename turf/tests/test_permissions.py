"""Who gets in where: every route of the project × every persona, as one table (pretix style).

``(method, url) -> the status each persona gets``: anonymous, then the free, premium and pro plans (API
calls with a Bearer token, pages with a session). A route the table does not list fails the last test,
so a new endpoint or page cannot ship without its row.
"""

import pytest
from django.urls import URLResolver, get_resolver, resolve

from predictions.tests.factories import scored_card

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "free", "premium", "pro")
DAY = "date=2025-11-05"
OPEN = (200, 200, 200, 200)
FREE = (401, 200, 200, 200)
PREMIUM = (401, 403, 200, 200)
PRO = (401, 403, 403, 200)
PAGE = (302, 200, 200, 200)  # a visitor is sent to the log-in page
PREMIUM_PAGE = (302, 403, 200, 200)
PRO_PAGE = (302, 403, 403, 200)
VISITOR_PAGE = (200, 302, 302, 302)  # the log-in and sign-up forms send a logged-in user home

TABLE = [
    # -- the API: token holders by plan --------------------------------------------------------------
    ("GET", "/api/v1/health", OPEN),
    ("GET", "/api/v1/health/data-sources", OPEN),
    ("GET", "/api/v1/track-record", OPEN),  # the public record: the shop window
    ("GET", "/api/v1/track-record/performance", OPEN),  # how the record did: public too
    ("GET", "/api/v1/track-record/2025-11-05", (404, 404, 404, 404)),  # a day not closed, whoever asks
    ("GET", "/api/v1/schema", OPEN),
    ("GET", "/api/v1/docs", OPEN),
    ("POST", "/api/v1/auth/register", (400, 400, 400, 400)),  # open to anyone; the empty body is a 400
    ("POST", "/api/v1/auth/login", (400, 400, 400, 400)),
    ("POST", "/api/v1/auth/refresh", (400, 400, 400, 400)),
    ("POST", "/api/v1/auth/logout", (401, 400, 400, 400)),
    ("GET", "/api/v1/auth/me", FREE),
    ("PATCH", "/api/v1/auth/account", FREE),  # the empty body changes nothing
    ("POST", "/api/v1/auth/verify", (401, 400, 400, 400)),
    ("POST", "/api/v1/auth/verify/resend", (400, 200, 200, 200)),  # anonymous: the address is required
    ("POST", "/api/v1/auth/password/forgot", (400, 400, 400, 400)),
    ("POST", "/api/v1/auth/password/reset", (400, 400, 400, 400)),
    ("POST", "/api/v1/auth/password/change", (401, 400, 400, 400)),
    ("POST", "/api/v1/auth/email/confirm", (401, 400, 400, 400)),
    ("DELETE", "/api/v1/auth/account", (401, 400, 400, 400)),  # the password that confirms it is missing
    ("GET", "/api/v1/auth/account/data", FREE),
    ("POST", "/api/v1/auth/account/marketing", (401, 400, 400, 400)),
    ("GET", "/api/v1/auth/api-keys", PREMIUM),
    ("POST", "/api/v1/auth/api-keys", (401, 403, 400, 400)),
    ("DELETE", "/api/v1/auth/api-keys/1", (401, 403, 404, 404)),  # nobody's key: a 404 past the plan gate
    ("GET", f"/api/v1/courses/today?{DAY}", FREE),
    ("GET", "/api/v1/search?q=horse", FREE),
    ("GET", "/api/v1/watchlist", FREE),
    ("POST", "/api/v1/watchlist", (401, 400, 400, 400)),  # the empty body: type and id are missing
    ("DELETE", "/api/v1/watchlist/1", (401, 404, 404, 404)),  # nobody's entry: a 404 past the plan gate
    ("GET", f"/api/v1/courses/1-1/predictions?{DAY}", FREE),
    ("GET", "/api/v1/courses/race/{race}/predictions", FREE),
    ("GET", f"/api/v1/predictions/top3?{DAY}", FREE),
    ("GET", f"/api/v1/predictions/all?{DAY}", PREMIUM),
    ("GET", "/api/v1/predictions/history?start=2025-11-01&end=2025-11-30", PREMIUM),
    ("GET", f"/api/v1/valuebets?{DAY}", PREMIUM),
    ("GET", f"/api/v1/courses/1-1/combinations?bet_type=trio&{DAY}", PREMIUM),
    ("GET", "/api/v1/courses/race/{race}/combinations?bet_type=couple_gagnant", PREMIUM),
    ("GET", "/api/v1/metrics", PREMIUM),
    ("GET", "/api/v1/models", PREMIUM),
    ("GET", "/api/v1/models/no-such-version", (401, 403, 404, 404)),  # an unknown version: a 404 past the gate
    ("GET", "/api/v1/backtest?start=2025-11-01&end=2025-11-30", PRO),
    ("GET", "/api/v1/backtests", PRO),
    ("POST", "/api/v1/backtests", (401, 403, 403, 400)),  # the plan is asked before the body is read
    ("GET", "/api/v1/backtests/1", (401, 403, 403, 404)),  # nobody's job: a 404 past the plan gate
    ("GET", "/api/v1/backtests/1/bets", (401, 403, 403, 404)),
    ("GET", f"/api/v1/export/csv?type=predictions&{DAY}", PRO),
    ("GET", "/api/v1/alerts", FREE),
    ("GET", "/api/v1/alerts?unread=true", FREE),
    ("POST", "/api/v1/alerts/read", FREE),
    ("POST", "/api/v1/alerts/1/read", (401, 404, 404, 404)),  # nobody's alert: a 404 past the plan gate
    ("GET", "/api/v1/alerts/preferences", FREE),
    ("PUT", "/api/v1/alerts/preferences", (401, 400, 400, 400)),  # the empty body: give at least one type
    ("GET", "/api/v1/webhooks", PRO),
    ("POST", "/api/v1/webhooks", (401, 403, 403, 400)),  # the plan is asked before the body is read
    ("GET", "/api/v1/webhooks/1", (401, 403, 403, 404)),  # nobody's endpoint: a 404 past the plan gate
    ("DELETE", "/api/v1/webhooks/1", (401, 403, 403, 404)),
    ("GET", "/api/v1/webhooks/1/deliveries", (401, 403, 403, 404)),
    ("POST", "/api/v1/webhooks/1/test", (401, 403, 403, 404)),
    ("GET", "/api/v1/bets", FREE),
    ("POST", "/api/v1/bets", (401, 400, 400, 400)),
    ("GET", "/api/v1/bets/summary", FREE),
    ("DELETE", "/api/v1/bets/1", (401, 404, 404, 404)),
    ("GET", "/api/v1/billing/subscription", FREE),
    ("GET", "/api/v1/billing/usage", FREE),
    # Payments: the tests run without Stripe's keys, so a logged-in call is answered 503 (billing_unavailable).
    ("POST", "/api/v1/billing/checkout", (401, 503, 503, 503)),
    ("POST", "/api/v1/billing/portal", (401, 503, 503, 503)),
    ("POST", "/api/v1/billing/cancel", (401, 503, 503, 503)),
    ("POST", "/api/v1/billing/webhook", (503, 503, 503, 503)),  # no token: Stripe's signature (and its secret)
    ("GET", "/api/v1/bets/limits", FREE),
    ("PUT", "/api/v1/bets/limits", (401, 400, 400, 400)),  # the empty body: give at least one limit
    ("GET", "/api/v1/auth/self-exclusion", FREE),
    ("POST", "/api/v1/auth/self-exclusion", (401, 400, 400, 400)),  # the empty body: days or until
    ("GET", "/api/v1/no-such-endpoint", (404, 404, 404, 404)),
    # -- the pages: logged in with a session ---------------------------------------------------------
    ("GET", f"/?{DAY}", OPEN),  # the public programme
    ("GET", f"/races/R1C1/?{DAY}", OPEN),  # a visitor: the public card; logged in: the race card
    ("GET", f"/picks/?{DAY}", PAGE),
    ("GET", f"/value-bets/?{DAY}", PREMIUM_PAGE),
    ("GET", "/account/", PAGE),
    ("GET", "/backtests/", PRO_PAGE),
    ("POST", "/backtests/", (302, 403, 403, 400)),  # the empty form: its fields' errors
    ("GET", "/backtests/1/", (302, 403, 403, 404)),  # nobody's job: a 404 past the plan gate
    ("GET", "/backtests/1/status", (302, 403, 403, 404)),
    ("GET", "/backtests/1/csv", (302, 403, 403, 404)),
    ("GET", "/model/", PREMIUM_PAGE),
    # The account's billing buttons: off to Stripe, or back to /account/ with a message (here: not configured).
    ("POST", "/account/billing/checkout/premium/", (302, 302, 302, 302)),
    ("POST", "/account/billing/portal/", (302, 302, 302, 302)),
    ("GET", "/account/billing/cancel/", PAGE),  # the confirmation
    ("POST", "/account/billing/cancel/", (302, 302, 302, 302)),
    ("POST", "/account/api-keys/", (302, 403, 400, 400)),  # the name of the key is missing
    ("POST", "/account/api-keys/1/revoke/", (302, 403, 404, 404)),  # nobody's key
    ("GET", "/account/webhooks/", PRO_PAGE),
    ("POST", "/account/webhooks/", (302, 403, 403, 400)),  # the URL and the events are missing
    ("GET", "/account/webhooks/1/", (302, 403, 403, 404)),  # nobody's endpoint
    ("POST", "/account/webhooks/1/delete/", (302, 403, 403, 404)),
    ("POST", "/account/webhooks/1/test/", (302, 403, 403, 404)),
    ("GET", "/account/data/", PAGE),
    ("GET", "/account/delete/", PAGE),
    ("POST", "/account/delete/", (302, 400, 400, 400)),  # the password that confirms it is missing
    ("POST", "/account/marketing/", (302, 400, 400, 400)),  # opt_in is missing
    ("GET", "/privacy/", OPEN),
    ("GET", "/track-record/", OPEN),  # the public record's page: anyone
    ("GET", "/track-record/2025-11-05/", (404, 404, 404, 404)),  # a day not closed, whoever asks
    ("GET", "/goodbye/", OPEN),
    ("GET", "/unsubscribe/not-a-signed-token/", (400, 400, 400, 400)),
    ("POST", "/account/limits/", (302, 302, 302, 302)),  # back to /account/ saying what was wrong (no kind)
    ("POST", "/account/self-exclusion/", (302, 302, 302, 302)),  # back to /account/: no period chosen
    ("GET", "/alerts/", PAGE),
    ("POST", "/alerts/read/", (302, 302, 302, 302)),  # back to /alerts/ (a visitor to the log-in)
    ("POST", "/alerts/preferences/", (302, 302, 302, 302)),  # back to /alerts/ saying what was saved or wrong
    ("POST", "/alerts/1/read/", (302, 404, 404, 404)),  # nobody's alert: a 404 past the plan gate
    ("GET", "/bets/", PAGE),
    ("GET", "/watchlist/", PAGE),
    ("GET", "/watchlist/?q=horse", PAGE),
    ("POST", "/watchlist/follow/", (302, 400, 400, 400)),  # nothing named to follow
    ("POST", "/watchlist/unfollow/", (302, 400, 400, 400)),
    ("GET", "/horses/999999999/", (302, 404, 404, 404)),  # no such horse, past the plan gate
    ("GET", "/people/jockey/999999999/", (302, 404, 404, 404)),
    ("POST", "/bets/", (302, 302, 302, 302)),  # back to /bets/ saying what was wrong (an empty bet)
    ("POST", "/bets/1/delete/", (302, 404, 404, 404)),  # nobody's bet: a 404 past the plan gate
    ("GET", "/login/", VISITOR_PAGE),
    ("GET", "/signup/", VISITOR_PAGE),
    ("POST", "/logout/", (302, 302, 302, 302)),
    ("POST", "/i18n/setlang/", (302, 302, 302, 302)),  # the language switch: anyone, back to the page
    ("GET", "/verify/", PAGE),
    ("POST", "/verify/resend/", (302, 302, 302, 302)),  # a visitor to the log-in, a user back to /verify/
    ("GET", "/password/forgot/", OPEN),
    ("GET", "/password/reset/MQ/not-a-token/", (400, 400, 400, 400)),  # a bad link, whoever follows it
    ("GET", "/account/password/", PAGE),
    ("GET", "/account/profile/", PAGE),
    ("GET", "/account/email/confirm/", PAGE),
    ("GET", "/admin/", (302, 302, 302, 302)),  # staff only: Django's own log-in
    # -- Prometheus' scrape: by address (the test client's is the loopback) and token, not by plan (test_metrics)
    ("GET", "/metrics", OPEN),
]
CASES = [(method, url, persona, statuses) for method, url, statuses in TABLE for persona in PERSONAS]


def cheapest_opener(statuses) -> str:
    """The plan a refusal must name: the first persona past anonymous that is not refused."""
    return next(persona for persona, status in zip(PERSONAS[1:], statuses[1:], strict=True) if status != 403).title()


@pytest.mark.parametrize("method, url, persona, statuses", CASES)
def test_the_permission_table(api, client, personas, method, url, persona, statuses):
    url = url.replace("{race}", str(scored_card().pk))
    user, expected = personas[persona], statuses[PERSONAS.index(persona)]
    if url.startswith("/api/"):
        response = getattr(api.as_user(user), method.lower())(url)
    else:
        if user is not None:
            client.force_login(user)
        response = getattr(client, method.lower())(url)
    assert response.status_code == expected, response.content[:300]
    if expected == 403 and url.startswith("/api/"):
        body = response.json()
        assert body["error"] == "plan_required" and cheapest_opener(statuses) in body["message"]
    elif expected == 403:
        assert f"Upgrade to {cheapest_opener(statuses)}" in response.content.decode()
    elif expected == 302 and persona == "anonymous" and statuses[1] == 200:
        assert response["Location"].startswith("/login/?next=")


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and route != "admin/":  # the admin is one row: Django's, staff only
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, getattr(pattern.callback, "cls", None) if not isinstance(pattern, URLResolver) else None


def _route(path: str) -> str:
    route = resolve(path.split("?")[0]).route
    return "admin/" if route.startswith("admin/") else route


def test_the_table_lists_every_route_and_every_method_of_the_api():
    listed = {(_route(url).replace("^", ""), method) for method, url, _ in TABLE}
    missing = []
    for route, api_view in _routes(get_resolver().url_patterns):
        route = route.replace("^", "")
        methods = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(api_view, m)}
        if not any(r == route for r, _ in listed):
            missing.append(route)
        missing += [f"{method} {route}" for method in methods if (route, method) not in listed]
    assert not missing, f"routes the permission table does not list: {missing}"
