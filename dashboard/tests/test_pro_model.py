"""The model page: the active version and the registry, the quality by month beside the market, the calibration and
the prediction history with each race's log loss; opened by the plan that opens /api/v1/metrics."""

import datetime as dt
import json
import re

import numpy as np
import pytest
from django.test import Client

from billing.models import Plan
from courses.models import Source
from predictions.models import Prediction
from predictions.services.metrics import reliability_bins
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from predictions.tests.factories import DAY, model_version, race_with, registered_version
from wagering.selectors import metrics_compute, prediction_history

pytestmark = pytest.mark.django_db
NEXT_MONTH = dt.date(2025, 12, 3)
WINDOW = {"start": "2025-11-01", "end": "2025-12-31"}


@pytest.fixture
def two_months():
    """Finished races in November (three) and December (two), scored by the market baseline (the active version)."""
    races = [
        race_with(final=[2.0, 4.0, 4.0], course=1, positions=[2, 1, 3], win_rapports={2: "4.10"}),
        race_with(final=[1.6, 3.2, 8.0], course=2, positions=[1, 2, 3]),
        race_with(final=[3.0, 3.0, 3.0], course=3, positions=[1, 1, 3]),  # a dead heat
        race_with(final=[1.5, 5.0, 9.0, 12.0], course=1, positions=[3, 1, 2, 4], date=NEXT_MONTH),
        race_with(final=[2.5, 2.5, 6.0], course=2, positions=[1, 2, 3], date=NEXT_MONTH),
    ]
    version = model_version_active()
    predictions_score(start=DAY, end=NEXT_MONTH, model_version=version)
    return races


def chart(page: str) -> dict:
    return json.loads(re.search(r'<script id="model-data" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_the_model_page_shows_the_active_version_and_the_registry(client, premium_user, two_months):
    model_version("combined-old")  # a candidate, listed with the active one
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    active = model_version_active()
    assert f'data-active-version="{active.version}"' in page
    assert re.findall(r'<tr data-version="([^"]+)"', page) == ["combined-old", active.version]


def test_the_registry_on_the_page_is_the_apis_with_window_data_sets_and_reruns(client, api, premium_user):
    active = registered_version("combined-all-20251101-1", active=True, log_loss=1.9312, market_log_loss=1.9645)
    registered_version("combined-all-20251102-1", rerun=True, sources=("hkjc",))
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    listed = api.as_user(premium_user).get("/api/v1/models").json()["data"]
    assert re.findall(r'<tr data-version="([^"]+)"', page) == [row["version"] for row in listed]
    assert f'data-active-version="{active.version}"' in page and "2024-01-01" in page and "2025-10-31" in page
    assert "Held-out log loss 1.9312, the market's 1.9645 on the same races." in page
    rows = dict(re.findall(r'<tr data-version="([^"]+)"(.*?)</tr>', page, re.S))
    assert "data-rerun" in rows["combined-all-20251102-1"] and "data-rerun" not in rows[active.version]
    hong_kong = r'data-sources><span class="tag" title="Hong Kong[^"]*">hkjc</span>'
    assert re.search(hong_kong, rows["combined-all-20251102-1"])
    assert ">pmu</span>" in rows[active.version] and ">hkjc</span>" in rows[active.version]


def test_the_page_lists_the_newest_versions_and_still_names_an_older_active_one(client, premium_user):
    from dashboard.pages.model import MODEL_PAGE_VERSIONS

    old = registered_version("combined-all-20240101-1", active=True)
    for n in range(MODEL_PAGE_VERSIONS + 1):
        registered_version(f"combined-all-20251101-{n}")
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    assert len(re.findall(r'<tr data-version="', page)) == MODEL_PAGE_VERSIONS
    assert f'<tr data-version="{old.version}"' not in page and f'data-active-version="{old.version}"' in page
    assert "the API lists them all (GET /api/v1/models)" in page


def test_the_page_says_so_in_french(premium_user):
    registered_version("combined-all-20251102-1", rerun=True)
    visitor = Client(headers={"Accept-Language": "fr"})
    visitor.force_login(premium_user)
    page = visitor.get("/model/", WINDOW).content.decode()
    assert "Jeux de données" in page and "relance" in page


def test_the_quality_by_month_is_the_metrics_engines_beside_the_markets(client, premium_user, two_months):
    client.force_login(premium_user)
    data = chart(client.get("/model/", WINDOW).content.decode())
    assert data["months"] == ["2025-11", "2025-12"]
    for i, (start, end) in enumerate([(DAY.replace(day=1), dt.date(2025, 11, 30)), (NEXT_MONTH, NEXT_MONTH)]):
        month = metrics_compute(start=start, end=end)
        assert data["model_log_loss"][i] == pytest.approx(month["model"]["log_loss"])
        assert data["market_log_loss"][i] == pytest.approx(month["market"]["log_loss"])
        assert data["model_brier"][i] == pytest.approx(month["model"]["brier"])


def test_the_reliability_bins_add_up_to_the_predictions_judged(client, premium_user, two_months):
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    counts = [int(n) for n in re.findall(r"<td class=\"num\" data-count>(\d+)</td>", page)]
    assert len(counts) == 10 and sum(counts) == Prediction.objects.count() == 16
    assert chart(page)["counts"] == counts


def test_reliability_bins_group_runners_by_predicted_probability():
    p = np.array([0.05, 0.08, 0.55, 0.95, 1.0])
    won = np.array([0.0, 1.0, 0.5, 1.0, 1.0])
    bins = reliability_bins(p, won)
    assert [b["count"] for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[0]["predicted"] == pytest.approx(0.065) and bins[0]["observed"] == pytest.approx(0.5)
    assert bins[1]["predicted"] is None and bins[9]["observed"] == 1.0


def test_the_history_shows_each_races_log_loss(client, premium_user, two_months):
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    expected = prediction_history(start=DAY.replace(day=1), end=dt.date(2025, 12, 31))[0:50]
    shown = re.findall(r'<tr data-history-race="(\d+)">.*?data-log-loss>([^<]*)</td>', page, re.S)
    assert [(int(race), float(loss)) for race, loss in shown] == [
        (race["race_id"], round(race["log_loss"], 3)) for race in expected
    ]
    assert len(shown) == 5


def test_the_history_is_paginated(client, premium_user, two_months):
    client.force_login(premium_user)
    first = client.get("/model/", {**WINDOW, "limit": 2}).content.decode()
    assert len(re.findall(r"data-history-race=", first)) == 2 and "offset=2&amp;limit=2" in first
    last = client.get("/model/", {**WINDOW, "limit": 2, "offset": 4}).content.decode()
    assert len(re.findall(r"data-history-race=", last)) == 1


def test_demo_races_are_labelled_once(client, premium_user, two_months):
    two_months[0].__class__.objects.filter(pk=two_months[0].pk).update(source=Source.DEMO)
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    assert page.count('class="synthetic"') == 1


def test_a_free_user_gets_the_upgrade_prompt_naming_premium(client, free_user):
    client.force_login(free_user)
    response = client.get("/model/")
    assert response.status_code == 403 and "Upgrade to Premium" in response.content.decode()


def test_a_plan_with_metrics_but_not_the_history_names_the_plan_that_opens_it(client, premium_user, two_months):
    premium = Plan.objects.get(code="premium")
    premium.features = [code for code in premium.features if code != "history"]
    premium.save()
    client.force_login(premium_user)
    page = client.get("/model/", WINDOW).content.decode()
    assert "data-history-race" not in page and "opens from the Pro plan up" in page


def test_a_bad_window_is_a_400_not_a_500(client, premium_user):
    client.force_login(premium_user)
    assert client.get("/model/", {"start": "2025-12-01", "end": "2025-11-01"}).status_code == 400
    assert client.get("/model/", {"start": "soon"}).status_code == 400


# The session, the user and the plan every logged-in page reads (4 here), the registry (1), the history's page (6);
# the month by month figures (5 more, and the next off, which bounds how long they are kept) are computed once and
# kept with the API's cached answers until a writer of what they read (the scoring, an import) makes them stale.
MODEL_PAGE_QUERIES = 11
MONTHS_QUERIES = 6


def test_the_model_page_runs_a_fixed_number_of_queries(client, premium_user, django_assert_max_num_queries):
    client.force_login(premium_user)
    client.get("/model/", WINDOW)  # the user's snapshot cached, as after any earlier page
    counts = []
    for course in range(1, 4):
        race_with(final=[2.0, 4.0, 4.0], course=course, positions=[2, 1, 3])
        race_with(final=[2.0, 4.0, 4.0], course=course, positions=[1, 2, 3], date=NEXT_MONTH)
        predictions_score(start=DAY, end=NEXT_MONTH, model_version=model_version_active())
        with django_assert_max_num_queries(MODEL_PAGE_QUERIES + MONTHS_QUERIES) as first:
            assert client.get("/model/", WINDOW).status_code == 200  # after the scoring: computed again
        with django_assert_max_num_queries(MODEL_PAGE_QUERIES) as cached:
            page = client.get("/model/", WINDOW).content.decode()
        assert len(first) - len(cached) == MONTHS_QUERIES
        assert f"{2 * course} finished races" in page  # the new races counted: the scoring made it stale
        counts.append(len(cached))
    assert counts[0] == counts[-1]
