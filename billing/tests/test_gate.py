"""The plan gate: one function, the same steps in the same order for an API call and a page."""

import pytest
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from billing import counters
from billing.exceptions import PlanRequired, QuotaExceeded
from billing.gate import Page, gate_pass

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/picks/")
    request.user = user
    return request


class Reader:
    """A query reader that records whether the gate got as far as reading it."""

    def __init__(self, fails: bool = False):
        self.calls, self.fails = 0, fails

    def __call__(self):
        self.calls += 1
        if self.fails:
            raise serializers.ValidationError({"date": "not a date."})
        return {"date": "today"}


def top3_used(user) -> int:
    return counters.peek(counters.quota_key(user.pk, "top3"))


def test_it_counts_the_request_reads_the_query_and_counts_the_quota(free_user, settings):
    request, read = request_of(free_user), Reader()
    assert gate_pass(request, Page(required_feature="top3"), read) == {"date": "today"}
    assert read.calls == 1 and top3_used(free_user) == 1
    # A page's view counts against the pages' own limits (TURF_PAGE_RATE), not the plan's API requests.
    assert request.plan.code == "free" and request.rate_state.day_remaining == settings.TURF_PAGE_RATE["day"] - 1


def test_a_plan_that_does_not_open_the_feature_is_refused_before_the_query_is_read(free_user):
    read = Reader(fails=True)
    with pytest.raises(PlanRequired) as refused:
        gate_pass(request_of(free_user), Page(required_feature="valuebets"), read)
    assert read.calls == 0 and refused.value.needed.code == "premium"


def test_a_bad_query_costs_no_quota(free_user):
    with pytest.raises(serializers.ValidationError):
        gate_pass(request_of(free_user), Page(required_feature="top3"), Reader(fails=True))
    assert top3_used(free_user) == 0
    gate_pass(request_of(free_user), Page(required_feature="top3"), Reader())
    with pytest.raises(QuotaExceeded):
        gate_pass(request_of(free_user), Page(required_feature="top3"), Reader())


def test_past_the_request_limit_nothing_else_is_asked(free_user, settings):
    settings.TURF_PAGE_RATE = {"minute": 1, "day": 10}
    gate_pass(request_of(free_user), Page(required_feature="courses"), Reader())
    read = Reader()
    with pytest.raises(Throttled):
        gate_pass(request_of(free_user), Page(required_feature="valuebets"), read)
    assert read.calls == 0


def test_a_page_without_a_feature_only_counts_the_request(free_user, settings):
    settings.API_RATE_AUTH = {"minute": 1, "day": 10}
    gate = Page(throttle_scope="auth")
    assert gate_pass(request_of(free_user), gate, dict) == {}
    with pytest.raises(Throttled):
        gate_pass(request_of(free_user), gate, dict)  # per address, whoever is logged in
