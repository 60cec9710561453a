"""The model registry and the market-baseline scoring of race days, with the rescore command."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import RaceStatus, Runner, RunnerStatus
from predictions.models import ModelKind, ModelStatus, ModelVersion, Prediction
from predictions.services import scoring
from predictions.services.scoring import (
    UnscorableVersion,
    predictions_score,
    predictions_score_races,
    predictions_score_report,
)
from predictions.services.versions import MARKET_BASELINE, model_version_activate, model_version_active

from .factories import DAY, live_day, live_race, model_version, predict, race_with

pytestmark = pytest.mark.django_db


def _by_saddle(race, version=None):
    version = version or ModelVersion.objects.get(status=ModelStatus.ACTIVE)
    rows = Prediction.objects.filter(runner__race=race, model_version=version).select_related("runner")
    return {p.runner.saddle_number: p for p in rows}


# -- registry -------------------------------------------------------------------------------


def test_with_no_version_the_market_baseline_is_created_and_activated_once():
    first = model_version_active()
    again = model_version_active()
    assert first.pk == again.pk
    assert (first.version, first.kind, first.status) == (MARKET_BASELINE, ModelKind.MARKET, ModelStatus.ACTIVE)
    assert ModelVersion.objects.count() == 1


def test_the_active_version_is_returned_when_there_is_one():
    chosen = model_version("xgb-1", active=True)
    assert model_version_active().pk == chosen.pk
    assert not ModelVersion.objects.filter(version=MARKET_BASELINE).exists()


def test_activating_a_version_retires_the_previous_one():
    old = model_version_active()
    new = model_version("xgb-1")
    model_version_activate(model_version=new)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ModelStatus.RETIRED, ModelStatus.ACTIVE)


def test_the_database_refuses_two_active_versions():
    model_version("a", active=True)
    with pytest.raises(IntegrityError):
        model_version("b", active=True)


# -- scoring --------------------------------------------------------------------------------


def test_win_probabilities_are_normalised_one_over_odds_and_sum_to_one_per_race():
    race = race_with(final=[1.6, 3.2, 8.0])
    other = race_with(final=[2.0, 4.0, 4.0, 8.0, 8.0], course=2)
    written = predictions_score(start=DAY, end=DAY)
    assert written == 8
    rows = _by_saddle(race)
    assert [rows[s].win_probability for s in (1, 2, 3)] == pytest.approx([10 / 17, 5 / 17, 2 / 17])
    assert [rows[s].market_probability for s in (1, 2, 3)] == pytest.approx([10 / 17, 5 / 17, 2 / 17])
    assert [rows[s].rank for s in (1, 2, 3)] == [1, 2, 3]
    assert rows[1].odds == Decimal("1.60")
    assert sum(p.win_probability for p in _by_saddle(other).values()) == pytest.approx(1.0)


def test_place_probabilities_are_harville_over_the_places_paid():
    # 5 runners: 2 places paid. Market p = (0.4, 0.2, 0.2, 0.1, 0.1) from odds 2.5, 5, 5, 10, 10.
    race = race_with(final=[2.5, 5.0, 5.0, 10.0, 10.0])
    predictions_score(start=DAY, end=DAY)
    rows = _by_saddle(race)
    p = [0.4, 0.2, 0.2, 0.1, 0.1]
    first = p[0] + sum(q * p[0] / (1 - q) for q in p[1:])
    assert rows[1].place_probability == pytest.approx(first)
    assert sum(r.place_probability for r in rows.values()) == pytest.approx(2.0)


def test_equal_odds_rank_by_saddle_number():
    race = race_with(final=[3.0, 3.0, 3.0])
    predictions_score(start=DAY, end=DAY)
    assert [r.rank for _, r in sorted(_by_saddle(race).items())] == [1, 2, 3]


def test_non_partants_get_no_prediction_and_the_others_still_sum_to_one():
    race = race_with(
        final=[2.0, 5.0, 4.0, None],
        statuses=[RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT, RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT],
    )
    predictions_score(start=DAY, end=DAY)
    rows = _by_saddle(race)
    assert sorted(rows) == [1, 3]
    assert rows[1].win_probability == pytest.approx(2 / 3)
    assert rows[1].place_probability == pytest.approx(2 / 3)  # two runners: one place paid


def test_a_race_without_final_odds_is_scored_on_its_morning_odds():
    race = race_with(final=None, morning=[2.0, 4.0, 4.0], status=RaceStatus.SCHEDULED)
    predictions_score(start=DAY, end=DAY)
    rows = _by_saddle(race)
    assert [rows[s].win_probability for s in (1, 2, 3)] == pytest.approx([0.5, 0.25, 0.25])
    assert rows[1].odds == Decimal("2.00")


def test_final_and_morning_odds_are_never_mixed_in_a_race():
    # One final price is missing, every morning price is there: the whole race uses the morning prices.
    race = race_with(final=[1.5, None, 9.0], morning=[2.0, 4.0, 4.0])
    predictions_score(start=DAY, end=DAY)
    assert [p.odds for _, p in sorted(_by_saddle(race).items())] == [Decimal("2.00"), Decimal("4.00"), Decimal("4.00")]


def test_a_partially_priced_race_gets_no_predictions_and_is_reported():
    race_with(final=[2.0, None, 4.0])
    race_with(final=[2.0, 2.0], course=2)
    report = predictions_score_report(start=DAY, end=DAY)
    assert (report.races, report.races_scored, report.races_unpriced, report.predictions) == (2, 1, 1, 2)


def test_cancelled_races_and_other_days_are_not_scored():
    race_with(status=RaceStatus.CANCELLED)
    race_with(date=DAY + dt.timedelta(days=1))
    assert predictions_score(start=DAY, end=DAY) == 0
    assert Prediction.objects.count() == 0


def test_rescoring_is_idempotent():
    race, day = live_race(final=[2.0, 4.0, 4.0]), live_day()
    predictions_score(start=day, end=day)
    before = {s: (p.pk, p.win_probability, p.created_at) for s, p in _by_saddle(race).items()}
    assert predictions_score(start=day, end=day) == 3
    after = {s: (p.pk, p.win_probability, p.created_at) for s, p in _by_saddle(race).items()}
    assert after == before
    assert Prediction.objects.count() == 3


def test_rescoring_follows_new_odds_and_drops_a_runner_turned_non_partant():
    race, day = live_race(final=[2.0, 4.0, 4.0]), live_day()
    predictions_score(start=day, end=day)
    Runner.objects.filter(race=race, saddle_number=3).update(status=RunnerStatus.NON_PARTANT)
    Runner.objects.filter(race=race, saddle_number=2).update(final_odds=Decimal("2.00"))
    report = predictions_score_report(start=day, end=day)
    rows = _by_saddle(race)
    assert sorted(rows) == [1, 2]
    assert [rows[1].win_probability, rows[2].win_probability] == pytest.approx([0.5, 0.5])
    assert (report.removed, report.races_gone_off) == (1, 0)


def test_a_new_model_version_never_changes_an_older_versions_rows():
    race = race_with(final=[2.0, 4.0, 4.0])
    predictions_score(start=DAY, end=DAY)
    old = ModelVersion.objects.get(version=MARKET_BASELINE)
    before = {s: (p.win_probability, p.rank, p.odds) for s, p in _by_saddle(race, old).items()}

    Runner.objects.filter(race=race, saddle_number=1).update(final_odds=Decimal("1.50"))
    new = ModelVersion.objects.create(version="market-baseline-2", kind=ModelKind.MARKET)
    model_version_activate(model_version=new)
    predictions_score(start=DAY, end=DAY)

    assert {s: (p.win_probability, p.rank, p.odds) for s, p in _by_saddle(race, old).items()} == before
    assert _by_saddle(race, new)[1].odds == Decimal("1.50")
    assert Prediction.objects.count() == 6


def test_a_trained_kind_without_an_artifact_is_refused_clearly():
    race_with()
    with pytest.raises(UnscorableVersion, match="xgb-1: a fundamental version without a trained artifact"):
        predictions_score(start=DAY, end=DAY, model_version=model_version("xgb-1"))


def test_scoring_costs_the_same_queries_for_two_races_or_six():
    version = model_version_active()

    def queries(n_races, day):
        for course in range(1, n_races + 1):
            race_with(final=[2.0, 3.0, 6.0, 9.0], date=day, course=course)
        with CaptureQueriesContext(connection) as captured:
            predictions_score(start=day, end=day, model_version=version)
        return len(captured)

    assert queries(2, DAY) == queries(6, DAY + dt.timedelta(days=1))


# -- races that have gone off ---------------------------------------------------------------


def _rows(race, version=None):
    return {s: (p.pk, p.win_probability, p.rank, p.odds, p.scored_at) for s, p in _by_saddle(race, version).items()}


def test_a_window_scoring_never_rewrites_a_race_that_has_gone_off():
    race = race_with(final=[2.0, 4.0, 4.0])  # finished, on a past day
    first = predictions_score_report(start=DAY, end=DAY)
    assert (first.races_backfilled, first.races_gone_off, first.predictions) == (1, 0, 3)
    before = _rows(race)
    Runner.objects.filter(race=race, saddle_number=1).update(final_odds=Decimal("1.20"))
    Runner.objects.filter(race=race, saddle_number=3).update(status=RunnerStatus.NON_PARTANT)
    again = predictions_score_report(start=DAY, end=DAY)
    assert _rows(race) == before  # neither the new odds nor the non-partant touch it: nothing removed
    assert (again.races_gone_off, again.races_backfilled, again.predictions, again.removed) == (1, 0, 0, 0)


def test_of_a_day_under_way_only_the_races_still_to_come_are_rescored():
    now = timezone.now()
    today = timezone.localdate()
    run = live_race(final=[2.0, 4.0, 4.0], date=today, start_time=now - dt.timedelta(minutes=5))
    to_come = live_race(final=[2.0, 4.0, 4.0], date=today, course=2, start_time=now + dt.timedelta(hours=1))
    version = model_version_active()
    predict(version, run, [0.6, 0.3, 0.1])
    predict(version, to_come, [0.6, 0.3, 0.1])
    before = _rows(run)
    report = predictions_score_report(start=today, end=today)
    assert _rows(run) == before
    assert _by_saddle(to_come)[1].win_probability == pytest.approx(0.5)
    assert (report.races, report.races_scored, report.races_gone_off) == (2, 1, 1)


def test_a_race_gone_off_is_backfilled_only_by_a_version_that_may_vouch_for_it(monkeypatch):
    # A trained version scores like the market here: what is tested is which races it may write.
    monkeypatch.setitem(scoring._SCORERS, ModelKind.FUNDAMENTAL, scoring._market_scorer)
    trained = ModelVersion.objects.create(
        version="xgb-1", kind=ModelKind.FUNDAMENTAL, artifact="{}", trained_until=DAY + dt.timedelta(days=1)
    )
    learnt = [race_with(date=DAY), race_with(date=DAY + dt.timedelta(days=1))]  # on or before its last day
    after = race_with(date=DAY + dt.timedelta(days=2))
    report = predictions_score_report(start=DAY, end=DAY + dt.timedelta(days=2), model_version=trained)
    assert (report.races_backfilled, report.races_gone_off, report.predictions) == (1, 2, 3)
    assert Prediction.objects.filter(runner__race=after, model_version=trained).count() == 3
    assert not Prediction.objects.filter(runner__race__in=learnt).exists()
    # Without a training window it vouches for nothing.
    unknown = ModelVersion.objects.create(version="xgb-2", kind=ModelKind.FUNDAMENTAL, artifact="{}")
    assert predictions_score_report(start=DAY, end=DAY + dt.timedelta(days=2), model_version=unknown).predictions == 0


def test_a_backfill_adds_to_a_race_gone_off_only_where_the_version_said_nothing():
    race = race_with(final=[2.0, 4.0, 4.0])
    version = model_version_active()
    predict(version, race, [0.7, 0.2, 0.1])  # what it said before the race, on one runner or all
    Prediction.objects.filter(runner__race=race, runner__saddle_number=3).delete()
    before = _rows(race)
    report = predictions_score_report(start=DAY, end=DAY)
    assert _rows(race) == before and report.races_gone_off == 1


def test_scoring_given_races_touches_those_races_only():
    day = live_day()
    asked, other = live_race(final=[2.0, 4.0, 4.0]), live_race(final=[2.0, 4.0, 4.0], course=2)
    past = race_with(final=[2.0, 2.0])
    version = model_version_active()
    predict(version, past, [0.9, 0.1])
    report = predictions_score_races(race_ids=[asked.pk, past.pk, asked.pk])
    assert (report.races, report.races_scored, report.races_gone_off, report.predictions) == (2, 1, 1, 3)
    assert sorted(_by_saddle(asked)) == [1, 2, 3] and _by_saddle(other) == {}
    assert _by_saddle(past)[1].win_probability == pytest.approx(0.9)
    assert predictions_score_races(race_ids=[]).races == 0
    assert Prediction.objects.filter(runner__race__meeting__date=day).count() == 3


# -- rescore command ------------------------------------------------------------------------


def _rescore(*args):
    out, err = StringIO(), StringIO()
    call_command("rescore", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue()


def test_rescore_scores_a_window_and_prints_a_summary():
    race_with(final=[2.0, 4.0, 4.0])
    race_with(final=[2.0, None], course=2)
    race_with(final=[3.0, 3.0, 3.0], date=DAY + dt.timedelta(days=3))
    out = _rescore("--start", str(DAY), "--end", str(DAY + dt.timedelta(days=3)))
    assert f"rescore {MARKET_BASELINE} {DAY}..{DAY + dt.timedelta(days=3)}" in out
    assert "days=2 races=3 scored=2 unpriced=1 predictions=6 removed=0" in out
    assert Prediction.objects.count() == 6


def test_rescore_twice_gives_the_same_rows():
    live_race(final=[2.0, 4.0, 4.0])
    _rescore("--date", str(live_day()))
    before = list(Prediction.objects.order_by("pk").values_list("pk", "win_probability", "rank"))
    out = _rescore("--date", str(live_day()))
    assert "predictions=3 removed=0 backfilled=0 gone_off=0" in out
    assert list(Prediction.objects.order_by("pk").values_list("pk", "win_probability", "rank")) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2025-13-01"], "--date '2025-13-01' is not a date"),
        (["--start", "2025-11-05"], "both --start and --end"),
        (["--start", "2025-11-05", "--end", "yesterday"], "--end 'yesterday' is not a date"),
        (["--start", "2025-11-05", "--end", "2025-11-01"], "before --start"),
        (["--date", "2025-11-05", "--start", "2025-11-01"], "not both"),
        ([], "give --date"),
        (["--date", "2025-11-05", "--model", "nope"], "no model version 'nope'"),
    ],
)
def test_rescore_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        _rescore(*args)
