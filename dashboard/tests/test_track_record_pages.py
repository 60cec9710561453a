"""The public track record's pages: the chain's head and its days without logging in, the performance of the real
chain only, a day's lines exactly as hashed beside its results, the demo apart and labelled."""

from __future__ import annotations

import datetime as dt

import pytest

from predictions.tests.factories import DAY, closed_track_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    closed_track_record()


def test_the_record_shows_its_head_its_days_and_the_real_chains_performance(client, record):
    from predictions.models import TrackRecordDay

    page = client.get("/track-record/").content.decode()
    head = TrackRecordDay.objects.get(chain="real", day=DAY + dt.timedelta(days=1))
    assert head.day_hash in page and 'data-day="2025-11-05"' in page and 'data-day="2025-11-06"' in page
    assert 'data-month="2025-11"' in page and "1 day of the synthetic demo programme" in page
    # saddle 2 won both real races at 0.3 (market 0.3 too): log loss −ln 0.3 = 1.2040 for both, the demo not counted
    assert page.count(">1.2040<") == 4


def test_the_record_shows_the_value_bets_by_month_and_draws_its_charts(client, record):
    page = client.get("/track-record/").content.decode()
    # 4 value bets over the two real days (saddle 2 at 4.00 won, rapport 4.20; saddle 3 at 8.00 lost).
    assert 'data-bets-month="2025-11"' in page and "4.00 €" in page and "4.40 €" in page and "data-good" in page
    assert 'id="calibration-chart"' in page and 'id="log-loss-chart"' in page and 'id="model-data"' in page


def test_the_value_bets_are_in_french_too(client, record):
    page = client.get("/track-record/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Les paris value de l’historique, mois par mois" in page and "bon mois" in page


def test_a_days_page_shows_its_lines_exactly_as_hashed_and_its_results(client, record):
    from predictions.models import TrackRecordDay

    page = client.get("/track-record/2025-11-05/").content.decode()
    record = TrackRecordDay.objects.get(chain="real", day=DAY)
    assert record.day_hash in page and '"race":"R1C1"' in page.replace("&quot;", '"')
    assert 'data-race="R1C1"' in page and "2 - 1 - 3" in page


def test_the_demo_chain_is_labelled_and_never_in_the_figures(client, record):
    page = client.get("/track-record/", {"chain": "demo"}).content.decode()
    assert "data-synthetic" in page and 'data-month="' not in page and "data-bets-month" not in page


@pytest.mark.parametrize("path, status", [("/track-record/2025-11-09/", 404), ("/track-record/2025-13-01/", 400)])
def test_an_unknown_or_unreadable_day_is_a_page_not_a_500(client, record, path, status):
    assert client.get(path).status_code == status


def test_the_record_runs_a_handful_of_queries(client, record, django_assert_max_num_queries):
    client.get("/track-record/")
    with django_assert_max_num_queries(8):
        assert client.get("/track-record/").status_code == 200
