"""Plan request limits: headers on every answer, 429 past the limit, staff-edited rows decide."""

import pytest

from billing.models import Plan

pytestmark = pytest.mark.django_db
URL = "/api/v1/courses/today"


def test_every_answer_carries_the_plans_rate_limit_headers(api, premium_user):
    response = api.as_user(premium_user).get(URL)
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "60"
    assert response["X-RateLimit-Remaining"] == "59"
    assert 1 <= int(response["X-RateLimit-Reset"]) <= 60


def test_errors_carry_the_headers_too(api, free_user):
    assert "X-RateLimit-Remaining" in api.as_user(free_user).get(URL, {"limit": "x"})
    assert "X-RateLimit-Remaining" in api.as_user(None).get(URL)
    assert "X-RateLimit-Remaining" in api.get("/api/v1/health")


def test_past_the_per_minute_limit_it_answers_429_with_retry_after(api, free_user):
    api.as_user(free_user)
    answers = [api.get(URL) for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[9]["X-RateLimit-Remaining"] == "0"
    refused = answers[10]
    assert refused.status_code == 429
    assert refused.json()["code"] == 429 and refused.json()["status"] == "error"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_the_daily_limit_is_enforced(api, free_user):
    Plan.objects.filter(code="free").update(requests_per_day=3)
    api.as_user(free_user)
    assert [api.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_limits_come_from_the_plan_row_staff_edit(api, free_user):
    Plan.objects.filter(code="free").update(requests_per_minute=2)
    api.as_user(free_user)
    assert [api.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_users_do_not_share_a_limit(api, free_user, other_user):
    Plan.objects.filter(code="free").update(requests_per_minute=1)
    assert api.as_user(free_user).get(URL).status_code == 200
    assert api.as_user(other_user).get(URL).status_code == 200
    assert api.as_user(free_user).get(URL).status_code == 429


RATE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Limit-Day",
    "X-RateLimit-Remaining-Day",
)


def test_every_call_counts_once_whatever_it_is_answered(api, free_user):
    api.as_user(free_user)
    answers = [
        api.get(URL).status_code,
        api.get(URL, {"limit": "x"}).status_code,  # a bad query
        api.get("/api/v1/valuebets").status_code,  # not in the plan
        api.get("/api/v1/nowhere").status_code,  # no such endpoint
        api.put(URL).status_code,  # no such method
    ]
    assert answers == [200, 400, 403, 404, 405]
    me = api.get("/api/v1/auth/me")
    assert me.json()["usage"]["requests_today"] == 6 and me["X-RateLimit-Remaining-Day"] == str(1000 - 6)


def test_a_refusal_past_the_limit_carries_every_header_and_comes_before_the_plan_check(api, free_user):
    Plan.objects.filter(code="free").update(requests_per_minute=1)
    api.as_user(free_user).get(URL)
    refused = api.get("/api/v1/valuebets", {"date": "nope"})  # not in the plan, a bad query: counted first
    assert refused.status_code == 429 and refused.json()["error"] == "throttled"
    assert all(refused[name] for name in RATE_HEADERS) and refused["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused["Retry-After"]) <= 60
