"""The backtest pages (pro): the strategy form, a job's progress, charts, summary and bets, its CSV; gated as the
API's /backtests are, and a job seen by its owner only."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone

from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import DAY, predict, race_with
from wagering.models import BacktestBet, BacktestJob
from wagering.services import backtest_jobs
from wagering.services.backtest import Strategy

pytestmark = pytest.mark.django_db

FORM = {"start": "2025-11-01", "end": "2025-11-30", "selection": "top_pick", "bet_type": "simple_gagnant"}
TOP_PICK = Strategy(selection="top_pick").as_params()
FORM.update(staking="flat", stake="1", bankroll="100", model="published", edge="0", cap="0.05")


@pytest.fixture
def walk_forward_day():
    """Three finished races on DAY, each won by saddle 2 (rapport 4.20), predicted by a version trained before."""
    version = ModelVersion.objects.create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )
    for course in range(1, 4):
        race = race_with(final=(2.0, 4.0, 6.0), positions=(2, 1, 3), win_rapports={2: "4.20"}, course=course)
        predict(version, race, (0.3, 0.5, 0.2))
    return version


def _done_job(owner, n_races: int) -> BacktestJob:
    version = ModelVersion.objects.get_or_create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )[0]
    day = DAY + dt.timedelta(days=n_races)
    for course in range(1, n_races + 1):
        predict(version, race_with(final=(2.0, 4.0), positions=(1, 2), date=day, course=course), (0.6, 0.4))
    job = BacktestJob.objects.create(owner=owner, params=Strategy(selection="top_pick").as_params(), start=day, end=day)
    assert backtest_jobs.backtest_job_run(job_id=job.pk) == "done"
    return job


def chart_data(page: str, name: str = "backtest-data") -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_form_creates_a_job_whose_page_reaches_100_percent_with_its_charts_data(
    client, pro_user, walk_forward_day, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(pro_user)
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the (eager) task runs
        response = client.post("/backtests/", FORM)
    job = BacktestJob.objects.get(owner=pro_user)
    assert response.status_code == 302 and response["Location"] == f"/backtests/{job.pk}/"

    page = client.get(response["Location"]).content.decode()
    assert re.search(r'<progress id="backtest-progress" max="100" value="100">', page)
    data = chart_data(page)
    job.refresh_from_db()
    assert (data["status"], data["progress"]) == ("done", 100)
    assert data["equity"] == [point["bankroll"] for point in job.result["equity_curve"]] == [103.2, 106.4, 109.6]
    assert data["drawdown"] == [0, 0, 0]  # never below its best
    # The summary beside the two baselines the engine computed, and the bets, in order.
    assert re.findall(r"<td class=\"num\" data-side-bets>(\d+)</td>", page) == ["3", "3", "3"]
    assert "9.60 €" in page and "Bets 1 to 3 of 3." in page
    assert re.findall(r'<tr data-bet="(\d+)">', page) == ["1", "2", "3"]


def test_the_job_page_polls_its_progress_and_gets_the_results_when_done(client, pro_user, walk_forward_day):
    job = BacktestJob.objects.create(owner=pro_user, params=TOP_PICK, start=DAY, end=DAY)
    client.force_login(pro_user)
    waiting = client.get(f"/backtests/{job.pk}/status").json()
    assert (waiting["status"], waiting["progress"], waiting["equity"]) == ("queued", 0, [])
    assert "html" not in waiting
    page = client.get(f"/backtests/{job.pk}/").content.decode()
    assert f'data-status-url="/backtests/{job.pk}/status"' in page and 'value="0"' in page

    backtest_jobs.backtest_job_run(job_id=job.pk)
    done = client.get(f"/backtests/{job.pk}/status").json()
    assert (done["status"], done["progress"]) == ("done", 100)
    assert done["equity"] == [103.2, 106.4, 109.6]
    assert 'data-bet="3"' in done["html"] and "Download the bets (CSV)" in done["html"]


def test_a_drawdown_is_how_far_the_bankroll_stands_below_its_best(client, pro_user):
    version = ModelVersion.objects.create(
        version="combined-1", kind=ModelKind.COMBINED, trained_until=DAY - dt.timedelta(days=1)
    )
    for course, positions in ((1, (2, 1)), (2, (1, 2)), (3, (1, 2))):  # lost, won at 2.0, won at 2.0
        predict(version, race_with(final=(2.0, 4.0), positions=positions, course=course), (0.6, 0.4))
    job = BacktestJob.objects.create(owner=pro_user, params=TOP_PICK, start=DAY, end=DAY)
    backtest_jobs.backtest_job_run(job_id=job.pk)
    client.force_login(pro_user)
    data = chart_data(client.get(f"/backtests/{job.pk}/").content.decode())
    job.refresh_from_db()
    assert data["equity"] == [99.0, 100.0, 101.0]
    assert data["drawdown"] == [-1.0, 0.0, 0.0]
    assert -min(data["drawdown"]) == job.result["summary"]["max_drawdown"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"selection": "odds_band", "max_odds": ""}, "max_odds"),  # the serializer's cross-field rule
        ({"edge": "-1"}, "edge"),  # its range
        ({"edge": "lots"}, "edge"),
        ({"start": "2025-12-01"}, "start"),  # after the end
        ({"model": "no-such-version"}, "model"),
        ({"end": "not a day"}, "end"),
        ({"combination_top_k": "2"}, "combination_top_k"),  # top_pick takes no combination parameter
        (
            {"selection": "combinations", "bet_type": "trio", "combination_min_probability": "2"},
            "combination_min_probability",
        ),
        ({"selection": "combinations"}, "bet_type"),  # simple gagnant is no combined bet
    ],
)
def test_a_form_error_is_shown_beside_its_field(client, pro_user, change, field):
    client.force_login(pro_user)
    response = client.post("/backtests/", {**FORM, **change})
    assert response.status_code == 400
    page = response.content.decode()
    block = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>', page, re.S)
    assert block and 'class="errorlist' in block.group(1), page[:2000]
    assert f'<label for="id_{field}">' in block.group(1)
    assert not BacktestJob.objects.exists()


def test_the_form_queues_a_combination_strategy_and_names_it_in_french(client, pro_user):
    client.force_login(pro_user)
    form = {**FORM, "selection": "combinations", "bet_type": "quinte_desordre", "combination_top_k": "3"}
    response = client.post("/backtests/", {**form, "combination_min_probability": "0.001"})
    job = BacktestJob.objects.get(owner=pro_user)
    assert response.status_code == 302
    strategy = Strategy.from_params(job.params)
    assert (strategy.selection, strategy.bet_type, strategy.legs) == ("combinations", "quinte_desordre", 5)
    assert (strategy.combination_top_k, strategy.combination_min_probability) == (3, 0.001)
    page = client.get("/backtests/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="quinte_desordre">Quinté+ désordre</option>' in page
    assert "Tickets par course (combinaisons : les k plus probables)" in page
    row = re.search(rf'<tr data-job="{job.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Les combinaisons les plus probables (paris combinés)" in row


def test_too_many_running_jobs_are_said_on_the_form(client, pro_user):
    for _ in range(backtest_jobs.MAX_ACTIVE_JOBS):
        BacktestJob.objects.create(owner=pro_user, params={}, start=DAY, end=DAY)
    client.force_login(pro_user)
    response = client.post("/backtests/", FORM)
    assert response.status_code == 400 and "wait for one to finish" in response.content.decode()


def test_the_csv_downloads_the_jobs_bets_in_order(client, pro_user):
    job = _done_job(pro_user, 3)
    client.force_login(pro_user)
    response = client.get(f"/backtests/{job.pk}/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"turf-backtest-{job.pk}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    bets = list(BacktestBet.objects.filter(job=job).order_by("seq"))
    assert [row["seq"] for row in rows] == ["1", "2", "3"]
    assert [row["bankroll"] for row in rows] == [str(bet.bankroll) for bet in bets]
    assert [row["race_code"] for row in rows] == ["R1C1", "R1C2", "R1C3"]


def test_the_users_jobs_are_listed_and_the_bets_paginated(client, pro_user):
    job = _done_job(pro_user, 7)
    client.force_login(pro_user)
    listing = client.get("/backtests/").content.decode()
    assert f'<tr data-job="{job.pk}">' in listing
    first = client.get(f"/backtests/{job.pk}/", {"limit": 5}).content.decode()
    assert re.findall(r'<tr data-bet="(\d+)">', first) == ["1", "2", "3", "4", "5"]
    assert "offset=5&amp;limit=5" in first
    rest = client.get(f"/backtests/{job.pk}/", {"limit": 5, "offset": 5}).content.decode()
    assert re.findall(r'<tr data-bet="(\d+)">', rest) == ["6", "7"]


def test_strategies_and_bets_are_named_as_the_form_names_them_not_by_their_codes(client, pro_user):
    job = _done_job(pro_user, 2)
    client.force_login(pro_user)
    listing = client.get("/backtests/").content.decode()
    row = re.search(rf'<tr data-job="{job.pk}">(.*?)</tr>', listing, re.S).group(1)
    assert "The model&#x27;s top pick of each race" in row and "Simple gagnant" in row and "Flat stake" in row
    assert "top_pick" not in row and "simple_gagnant" not in row
    bets = client.get(f"/backtests/{job.pk}/").content.decode()
    first = re.search(r'<tr data-bet="1">(.*?)</tr>', bets, re.S).group(1)
    assert "Simple gagnant" in first and "simple_gagnant" not in first


@pytest.mark.parametrize("suffix", ["", "status", "csv"])
def test_another_users_job_is_a_404(client, pro_user, django_user_model, suffix):
    from billing.models import Plan, Subscription

    other = django_user_model.objects.create_user(email="olga@turf.test", password="s3cret-Pass!")
    Subscription.objects.update_or_create(user=other, defaults={"plan": Plan.objects.get(code="pro")})
    job = _done_job(other, 1)
    client.force_login(pro_user)
    assert client.get(f"/backtests/{job.pk}/{suffix}").status_code == 404
    assert f'data-job="{job.pk}"' not in client.get("/backtests/").content.decode()


@pytest.mark.parametrize("persona", ["free", "premium"])
@pytest.mark.parametrize("url", ["/backtests/", "/backtests/1/", "/backtests/1/csv"])
def test_free_and_premium_get_the_upgrade_prompt_naming_pro(client, personas, persona, url):
    client.force_login(personas[persona])
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Backtests" in page and "Upgrade to Pro" in page


def test_a_post_of_a_non_pro_user_runs_nothing(client, free_user):
    client.force_login(free_user)
    assert client.post("/backtests/", FORM).status_code == 403
    assert not BacktestJob.objects.exists()


# The session, the user, the plan and the user's exclusions read by every logged-in page (5 queries), then each
# page's own: the jobs; the job, a page of its bets, whether its window holds demo races; the job (and its bets,
# when done); the job and its bets.
BUDGETS = {"/backtests/": 6, "/backtests/{job}/": 8, "/backtests/{job}/status": 7, "/backtests/{job}/csv": 7}


@pytest.mark.parametrize("n_races", [1, 7])
@pytest.mark.parametrize("url, budget", BUDGETS.items())
def test_the_backtest_pages_run_a_handful_of_queries(
    client, pro_user, django_assert_max_num_queries, n_races, url, budget
):
    job = _done_job(pro_user, n_races)
    client.force_login(pro_user)
    client.get("/backtests/")  # the user's snapshot cached, as after any earlier page
    with django_assert_max_num_queries(budget):
        response = client.get(url.format(job=job.pk))
        assert response.status_code == 200
        if url.endswith("csv"):
            assert len(b"".join(response.streaming_content).splitlines()) == n_races + 1


# Committed for real, as a request is: the job's task is sent at once (the plan rows restored after it).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_the_queue_did_not_take_is_kept_and_its_page_says_it_waits(client, pro_user, monkeypatch):
    def down(job_id):
        raise ConnectionError("broker away")

    monkeypatch.setattr(backtest_jobs, "_send", down)
    client.force_login(pro_user)
    response = client.post("/backtests/", FORM)
    job = BacktestJob.objects.get(owner=pro_user)
    assert response.status_code == 302 and response["Location"] == f"/backtests/{job.pk}/"
    assert job.status == "unqueued"
    page = client.get(response["Location"]).content.decode()
    assert "waiting for the task queue" in page


JSON_BLOCK = re.compile(rb'<script id="[\w-]+" type="application/json">.*?</script>', re.S)


def assert_runs_under_the_policy(response) -> None:
    """The CSP test's check, the json_script blocks aside: data, never run, which the policy does not govern."""
    from turf.tests.test_csp import assert_nothing_inline_runs

    response.content = JSON_BLOCK.sub(b"", response.content)
    assert_nothing_inline_runs(response)


def test_the_pro_pages_run_under_the_content_security_policy(client, pro_user):
    job = _done_job(pro_user, 2)
    client.force_login(pro_user)
    for url in ("/backtests/", f"/backtests/{job.pk}/", "/model/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_runs_under_the_policy(response)
    page = client.get(f"/backtests/{job.pk}/").content.decode()
    assert '<script src="/static/dashboard/vendor/chartjs/chart.umd.min.js"' in page
    assert '<script src="/static/dashboard/pro.js"' in page


def test_the_form_starts_on_the_apis_default_window(client, pro_user):
    client.force_login(pro_user)
    page = client.get("/backtests/").content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert f'name="end" value="{yesterday.isoformat()}"' in page
    assert f'name="start" value="{(yesterday - dt.timedelta(days=29)).isoformat()}"' in page
