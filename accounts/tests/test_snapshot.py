"""A signed-in user's cached snapshot: no user, plan or exclusion row read per request, and every change that
matters refuses on the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.self_exclusion import self_exclusion_start
from accounts.snapshot import user_snapshot
from billing.models import Plan
from billing.services import subscription_plan_set

pytestmark = pytest.mark.django_db

ACCOUNT_TABLES = ("accounts_user", "billing_subscription", "billing_plan", "accounts_selfexclusion")


def _account_queries(api, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in ACCOUNT_TABLES)]


def test_a_signed_in_request_reads_no_account_row_once_its_snapshot_is_cached(api, premium_user):
    api.as_user(premium_user)
    assert _account_queries(api, "/api/v1/valuebets")  # the first builds the snapshot
    assert _account_queries(api, "/api/v1/valuebets") == []


def test_a_deactivated_user_is_refused_on_the_next_request(api, premium_user):
    api.as_user(premium_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    premium_user.is_active = False
    premium_user.save()
    answer = api.get("/api/v1/valuebets")
    assert answer.status_code == 401 and answer.json()["error"] == "authentication_failed"


def test_an_erased_user_is_refused_on_the_next_request(api, premium_user):
    api.as_user(premium_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    premium_user.delete()
    assert api.get("/api/v1/valuebets").status_code == 401


def test_a_downgraded_user_is_refused_on_the_next_request(api, premium_user):
    api.as_user(premium_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    subscription_plan_set(user=premium_user, plan=Plan.objects.get(code="free"))
    answer = api.get("/api/v1/valuebets")
    assert answer.status_code == 403 and answer.json()["error"] == "plan_required"


def test_a_plan_staff_edits_applies_to_its_subscribers_on_the_next_request(api, premium_user):
    api.as_user(premium_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    premium = Plan.objects.get(code="premium")
    premium.features = [f for f in premium.features if f != "valuebets"]
    premium.requests_per_minute = 7
    premium.save()  # as the admin saves it
    answer = api.get("/api/v1/valuebets")
    assert answer.status_code == 403 and answer.json()["error"] == "plan_required"
    assert answer["X-RateLimit-Limit"] == "7"


def test_a_self_exclusion_refuses_on_the_next_request(api, premium_user):
    api.as_user(premium_user)
    assert api.get("/api/v1/valuebets").status_code == 200
    self_exclusion_start(user=premium_user, days=1)
    answer = api.get("/api/v1/valuebets")
    assert answer.status_code == 403 and answer.json()["error"] == "self_excluded"


def test_a_snapshot_built_before_a_write_is_not_served_after_it(premium_user):
    # A reader that read the rows before a writer's commit stores its snapshot under the version it read; the
    # writer's bump makes it stale, whatever the order the two finish in.
    before = user_snapshot(premium_user.pk)
    subscription_plan_set(user=premium_user, plan=Plan.objects.get(code="free"))
    after = user_snapshot(premium_user.pk)
    assert before["plan"]["code"] == "premium" and after["plan"]["code"] == "free"
    assert after["version"] != before["version"]


def test_the_user_row_is_loaded_once_for_what_the_snapshot_does_not_hold(api, premium_user):
    # A password change needs the row: the snapshot user loads it and the change works as before.
    api.as_user(premium_user)
    answer = api.post(
        "/api/v1/auth/password/change",
        {"current_password": "s3cret-Pass!", "new_password": "An0ther-Secret!"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    premium_user.refresh_from_db()
    assert premium_user.check_password("An0ther-Secret!")
