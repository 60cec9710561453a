"""What was published before the off: history, /metrics and backtests judge each race by the prediction made
before it (published at its off, else walk-forward), whatever model is active now, and say what they skipped."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Race
from predictions.models import ModelKind, ModelStatus, ModelVersion, Prediction, PublishedPrediction, PublishedStage
from predictions.services.probability import market_probabilities, rank_within_races
from predictions.tests.factories import DAY, model_version, predict, race_with
from wagering.selectors import backtest_run, metrics_compute, prediction_history
from wagering.services.backtest import Strategy, backtest
from wagering.services.pre_race import NO_PREDICTION, TRAINED_ON

pytestmark = pytest.mark.django_db

SKIPPED_C = {NO_PREDICTION: 1, TRAINED_ON: 1}


def publish(version: ModelVersion, race: Race, probabilities, odds, *, stage=PublishedStage.OFF) -> None:
    """The rows the live day froze at the race's off: the version's prediction at the odds it saw."""
    runners = list(race.runners.order_by("saddle_number"))
    market = market_probabilities(odds)
    ranks = rank_within_races(probabilities, tiebreak=[r.saddle_number for r in runners])
    at = timezone.make_aware(dt.datetime.combine(race.meeting.date, dt.time(13, 50)))
    PublishedPrediction.objects.bulk_create(
        PublishedPrediction(
            runner=runner,
            stage=stage,
            model_version=version,
            win_probability=p,
            place_probability=min(1.0, 2 * p),
            market_probability=float(m),
            rank=int(rank),
            odds=Decimal(str(o)),
            odds_at=at,
            scored_at=at,
            published_at=at,
        )
        for runner, p, m, o, rank in zip(runners, probabilities, market, odds, ranks, strict=True)
    )


def trained(name: str, until: dt.date | None, **fields) -> ModelVersion:
    return ModelVersion.objects.create(version=name, kind=ModelKind.COMBINED, trained_until=until, **fields)


# -- the finding: a model trained through yesterday and promoted -------------------------------------------


@pytest.fixture
def promoted():
    """Yesterday's nightly trained ``combined-new`` on every race up to yesterday and promoted it; it rescored
    the last days in hindsight. ``combined-old`` (trained 40 days earlier) was active before.

    A (two days ago) was live: frozen at its off by combined-old at odds 2.5 / 4.0 / 4.5 (the race started at
    3.0 each). B (the day before) was imported, never live: combined-old predicted it walk-forward. C
    (yesterday): only combined-new predicted it, and it trained on it."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    old = trained("combined-old", yesterday - dt.timedelta(days=40), status=ModelStatus.RETIRED)
    new = trained("combined-new", yesterday, status=ModelStatus.ACTIVE)
    a = race_with(
        date=yesterday - dt.timedelta(days=2), final=(3.0, 3.0, 3.0), positions=(1, 2, 3), win_rapports={1: "3.10"}
    )
    publish(old, a, (0.5, 0.3, 0.2), (2.5, 4.0, 4.5))
    predict(old, a, (0.45, 0.35, 0.2))  # its last live scoring row, at the final odds: not what was published
    predict(new, a, (0.9, 0.05, 0.05))  # hindsight
    b = race_with(
        date=yesterday - dt.timedelta(days=1), final=(2.0, 4.0, 8.0), positions=(2, 1, 3), win_rapports={2: "4.20"}
    )
    predict(old, b, (0.3, 0.5, 0.2))
    predict(new, b, (0.05, 0.9, 0.05))
    c = race_with(date=yesterday, final=(2.0, 4.0, 8.0), positions=(1, 2, 3))
    predict(new, c, (0.9, 0.05, 0.05))
    return yesterday


def test_get_backtest_bets_what_was_published_before_each_race_and_says_what_it_skipped(api, pro_user, promoted):
    body = api.as_user(pro_user).get("/api/v1/backtest").json()  # the default window: 30 days up to yesterday
    # A at the odds its prediction saw: 0.5 × 2.5 and 0.3 × 4.0 are value (at the final 3.0 only saddle 1 was);
    # B walk-forward: 0.5 × 4.0 and 0.2 × 8.0. Saddle 1 of A pays its rapport 3.10, saddle 2 of B 4.20.
    assert [(b["race_code"], b["date"], b["saddle_number"], b["odds"], b["return"]) for b in body["data"]] == [
        ("R1C1", str(promoted - dt.timedelta(days=2)), 1, 2.5, 3.1),
        ("R1C1", str(promoted - dt.timedelta(days=2)), 2, 4.0, 0.0),
        ("R1C1", str(promoted - dt.timedelta(days=1)), 2, 4.0, 4.2),
        ("R1C1", str(promoted - dt.timedelta(days=1)), 3, 8.0, 0.0),
    ]
    assert body["summary"]["profit"] == pytest.approx(3.3)
    assert body["skipped"] == SKIPPED_C
    assert (body["model_version"], body["versions"]) == ("published", {"combined-old": 2})
    assert body["basis"] == {"published": 1, "walk_forward": 1}


def test_naming_the_promoted_version_keeps_it_off_the_races_it_trained_on_and_says_so(promoted):
    result = backtest_run(start=promoted - dt.timedelta(days=29), end=promoted, model_version="combined-new")
    assert result["summary"]["bets"] == 0
    assert result["skipped"] == {NO_PREDICTION: 3, TRAINED_ON: 3}
    metrics = metrics_compute(start=promoted - dt.timedelta(days=6), end=promoted, model_version="combined-new")
    assert (metrics["races"], metrics["model"], metrics["races_skipped"]) == (
        0,
        None,
        {NO_PREDICTION: 3, TRAINED_ON: 3},
    )


def test_metrics_judge_the_pre_race_predictions_against_the_market_at_the_same_moment(api, premium_user, promoted):
    body = api.as_user(premium_user).get("/api/v1/metrics", {"days": 7}).json()["data"]
    assert body["window"]["end"] == str(promoted)
    assert (body["races"], body["races_skipped"]) == (2, SKIPPED_C)
    assert (body["model_version"], body["versions"]) == (None, {"combined-old": 2})
    assert body["basis"] == {"published": 1, "walk_forward": 1}
    # Each winner at 0.5 (A as published, B walk-forward), not combined-new's 0.9 in hindsight.
    assert body["model"]["log_loss"] == pytest.approx(math.log(2))
    # The market when each prediction was made: A at 2.5 / 4.0 / 4.5 (saddle 1: 0.4 / 0.8722), not its final
    # 3.0 each (1/3); B at the odds its prediction saw (its final odds: 0.25 / 0.875).
    a_market = (1 / 2.5) / (1 / 2.5 + 1 / 4.0 + 1 / 4.5)
    assert body["market"]["log_loss"] == pytest.approx((-math.log(a_market) - math.log(0.25 / 0.875)) / 2)
    bets = body["model"]["value_bets"]  # the backtest's four bets, the same money
    assert (bets["bets"], bets["winners"], bets["returned"]) == (4, 2, pytest.approx(7.3))


def test_the_history_shows_the_published_prediction_else_the_walk_forward_one(api, premium_user, promoted):
    body = api.as_user(premium_user).get("/api/v1/predictions/history").json()
    items = {item["date"]: item for item in body["data"]}
    assert sorted(items) == [str(promoted - dt.timedelta(days=2)), str(promoted - dt.timedelta(days=1))]
    live = items[str(promoted - dt.timedelta(days=2))]
    assert (live["basis"], live["model_version"]) == ("published", "combined-old")
    assert live["published_at"].startswith(str(promoted - dt.timedelta(days=2)))
    assert [(r["win_probability"], r["prediction_odds"], r["odds"]) for r in live["runners"]] == [
        (0.5, 2.5, 3.0),
        (0.3, 4.0, 3.0),
        (0.2, 4.5, 3.0),
    ]
    assert live["log_loss"] == pytest.approx(math.log(2))
    imported = items[str(promoted - dt.timedelta(days=1))]
    assert (imported["basis"], imported["model_version"], imported["published_at"]) == (
        "walk_forward",
        "combined-old",
        None,
    )
    assert [r["win_probability"] for r in imported["runners"]] == [0.3, 0.5, 0.2]


def test_a_backtest_job_bets_the_published_predictions_by_default(
    api, pro_user, promoted, eager_celery, django_capture_on_commit_callbacks
):
    window = {"start": str(promoted - dt.timedelta(days=29)), "end": str(promoted)}
    with django_capture_on_commit_callbacks(execute=True):
        created = api.as_user(pro_user).post("/api/v1/backtests", window, format="json").json()
    job = api.get(f"/api/v1/backtests/{created['id']}").json()
    assert (job["status"], job["strategy"]["model"], job["summary"]["bets"]) == ("done", "published", 4)
    assert (job["skipped"], job["basis"], job["versions"]) == (
        SKIPPED_C,
        {"published": 1, "walk_forward": 1},
        {"combined-old": 2},
    )


def test_the_walk_forward_rule_alone_can_still_be_asked_for(promoted):
    result = backtest(strategy=Strategy(model="walk_forward"), start=promoted - dt.timedelta(days=29), end=promoted)
    # A by combined-old's stored row at the final odds 3.0: 0.45 × 3 and 0.35 × 3 are value.
    assert [(b["date"], b["saddle_number"], b["odds"]) for b in result["bets"]][:2] == [
        (promoted - dt.timedelta(days=2), 1, Decimal("3.00")),
        (promoted - dt.timedelta(days=2), 2, Decimal("3.00")),
    ]
    assert (result["basis"], result["skipped"]) == ({"walk_forward": 2}, SKIPPED_C)


# -- the rule, race by race -------------------------------------------------------------------------------


def test_published_rows_win_over_a_newer_models_walk_forward_rows():
    at_the_off = model_version("hand-made")  # no training window: what it published before the off stands
    eve = trained("eve", DAY - dt.timedelta(days=1))  # a later, walk-forward-eligible version
    market = model_version("market-baseline-1", kind=ModelKind.MARKET)
    race = race_with(final=(3.0, 3.0, 3.0), positions=(2, 1, 3), win_rapports={2: "3.40"})
    publish(at_the_off, race, (0.2, 0.6, 0.2), (3.0, 3.0, 3.0))
    predict(eve, race, (0.6, 0.2, 0.2))
    predict(market, race, (1 / 3, 1 / 3, 1 / 3))
    # A morning publication is not what the race is judged by.
    publish(eve, race, (0.7, 0.2, 0.1), (2.0, 4.0, 8.0), stage=PublishedStage.MORNING)

    item = prediction_history(start=DAY, end=DAY)[0:10][0]
    assert (item["model_version"], item["basis"]) == ("hand-made", "published")
    assert [r["win_probability"] for r in item["runners"]] == [0.2, 0.6, 0.2]
    result = backtest(strategy=Strategy(selection="top_pick"), start=DAY, end=DAY)
    assert [(b["selection"], b["model_version"], b["return"]) for b in result["bets"]] == [
        ("2", "hand-made", Decimal("3.40"))
    ]
    assert (result["versions"], result["basis"], result["skipped"]) == ({"hand-made": 1}, {"published": 1}, {})
    metrics = metrics_compute(start=DAY, end=DAY)
    assert (metrics["versions"], metrics["basis"]) == ({"hand-made": 1}, {"published": 1})
    assert metrics["model"]["log_loss"] == pytest.approx(-math.log(0.6))


def test_the_market_comparator_is_the_one_stored_with_the_prediction_else_its_odds_never_the_final_odds():
    version = model_version("hand-made")
    # Published at 2.0 / 4.0 / 4.0 with the market's 0.5 / 0.25 / 0.25; the race then started at 3.0 each.
    published = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=1)
    publish(version, published, (0.4, 0.3, 0.3), (2.0, 4.0, 4.0))
    # Walk-forward, no market probability stored: the odds its prediction saw (1.5 / 6.0 / 6.0) say it.
    imported = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=2)
    market = model_version("market-baseline-1", kind=ModelKind.MARKET)
    predict(market, imported, (0.5, 0.25, 0.25))
    Prediction.objects.filter(runner__race=imported, runner__saddle_number=1).update(odds=Decimal("1.50"))
    Prediction.objects.filter(runner__race=imported).exclude(runner__saddle_number=1).update(odds=Decimal("6.00"))
    # A prediction that saw no odds for one runner has no market to be compared with: left out, and said.
    unpriced = race_with(final=(3.0, 3.0, 3.0), positions=(1, 2, 3), course=3)
    predict(market, unpriced, (0.5, 0.25, 0.25))
    Prediction.objects.filter(runner__race=unpriced, runner__saddle_number=3).update(odds=None)

    result = metrics_compute(start=DAY, end=DAY)
    assert (result["races"], result["basis"]) == (2, {"published": 1, "walk_forward": 1})
    assert result["races_skipped"] == {"runners without odds when the prediction was made": 1}
    # −ln 0.5 (as stored) and −ln(⅔ / (⅔ + ⅙ + ⅙)), not −ln ⅓ twice as the final odds would say.
    assert result["market"]["log_loss"] == pytest.approx((math.log(2) + math.log(1.5)) / 2)
    assert result["model"]["log_loss"] == pytest.approx((-math.log(0.4) - math.log(0.5)) / 2)
    # Value bets at the odds each prediction saw: 0.3 × 4.0 twice on the published race, 0.25 × 6.0 twice on
    # the other (at the final 3.0 there would be none); the market's own probabilities find none.
    assert result["model"]["value_bets"]["bets"] == 4 and result["market"]["value_bets"]["bets"] == 0
    # The history lists a race frozen at its off even with no stored prediction of it.
    assert {item["race_code"] for item in prediction_history(start=DAY, end=DAY)[0:10]} == {"R1C1", "R1C2", "R1C3"}


def test_a_race_with_no_prediction_made_before_it_is_skipped_with_its_reason():
    race_with(final=(2.0, 4.0, 6.0), positions=(1, 2, 3))
    result = backtest_run(start=DAY, end=DAY)
    assert (result["summary"]["bets"], result["skipped"]) == (0, {NO_PREDICTION: 1})
    metrics = metrics_compute(start=DAY, end=DAY)
    assert (metrics["races"], metrics["model"], metrics["races_skipped"]) == (0, None, {NO_PREDICTION: 1})
    assert prediction_history(start=DAY, end=DAY).count() == 0
