"""Race cards and top picks, against hand-computed races."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import OddsSnapshot, Race, RaceStatus, RunnerStatus
from predictions.models import ModelKind, ModelVersion, Prediction, PublishedStage
from predictions.selectors import race_card, race_card_by_id, race_prediction_rows, races_skipped, top_picks
from predictions.services.published import predictions_freeze
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_activate, model_version_active

from .factories import DAY, live_day, live_race, model_version, predict, race_with

pytestmark = pytest.mark.django_db

NEXT = DAY + dt.timedelta(days=1)


# -- race card and top picks ------------------------------------------------------------------


def test_a_race_card_lists_every_runner_with_the_active_versions_prediction():
    race = race_with(
        final=[2.0, None, 4.0, 4.0],
        statuses=[RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT, RunnerStatus.RUNNER, RunnerStatus.RUNNER],
    )
    predictions_score(start=DAY, end=DAY)
    rows = race_prediction_rows(race=race)
    assert [r["saddle_number"] for r in rows] == [1, 2, 3, 4]
    first, scratched = rows[0], rows[1]
    assert first["horse"].startswith("Horse") and (first["jockey"], first["trainer"]) == ("J. Doe", "T. Roe")
    assert first["odds"] == Decimal("2.00")
    assert first["win_probability"] == pytest.approx(0.5)
    assert first["rank"] == 1 and first["model_version"] == "market-baseline-1"
    assert first["place_probability"] == pytest.approx(0.5)  # 3 runners: one place paid
    assert scratched["status"] == RunnerStatus.NON_PARTANT
    assert (scratched["win_probability"], scratched["rank"], scratched["odds"]) == (None, None, None)


def test_a_race_card_shows_the_version_asked_for():
    race = race_with(final=[2.0, 4.0, 4.0])
    predictions_score(start=DAY, end=DAY)
    other = model_version("xgb-1")
    predict(other, race, [0.2, 0.7, 0.1])
    rows = race_prediction_rows(race=race, model_version="xgb-1")
    assert [r["win_probability"] for r in rows] == pytest.approx([0.2, 0.7, 0.1])
    assert [r["rank"] for r in rows] == [2, 1, 3]


def test_top_picks_are_the_strongest_favourite_of_each_race_across_the_day():
    day = live_day()
    live_race(final=[2.0, 4.0, 4.0], course=1)  # favourite 0.5
    live_race(final=[1.25, 8.0, 8.0, 8.0, 8.0], course=2, reunion=2, racecourse="CHA")  # 0.8 / 1.3 = 0.615
    live_race(final=[3.0, 3.0, 3.0], course=3)  # 1/3
    live_race(final=[1.1, 20.0], date=day + dt.timedelta(days=1))  # another day
    predictions_score(start=day, end=day + dt.timedelta(days=1))
    picks = top_picks(day=day, n=2)
    assert [(p["race_code"], p["saddle_number"]) for p in picks] == [("R2C2", 1), ("R1C1", 1)]
    assert picks[0]["win_probability"] == pytest.approx(0.8 / 1.3)
    assert (picks[0]["racecourse"], picks[0]["date"], picks[0]["race_name"]) == ("Hippodrome CHA", day, "Prix R2C2")
    assert len(top_picks(day=day, n=10)) == 3


def test_top_picks_drop_the_races_that_have_gone_off_and_say_how_many():
    now, today = timezone.now(), timezone.localdate()
    run = live_race(final=[1.1, 20.0], date=today, start_time=now - dt.timedelta(hours=2))  # the day's strongest
    later = live_race(final=[2.0, 4.0, 4.0], date=today, course=2, start_time=now + dt.timedelta(hours=1))
    cancelled = live_race(final=[2.0, 2.0], date=today, course=3, status=RaceStatus.CANCELLED)
    version = model_version_active()
    for race, p in ((run, [0.9, 0.1]), (later, [0.5, 0.25, 0.25]), (cancelled, [0.5, 0.5])):
        predict(version, race, p)
    assert [p["race_id"] for p in top_picks(day=today, n=5, now=now)] == [later.pk]
    assert races_skipped(day=today, now=now) == {"gone off": 1, "cancelled": 1}
    earlier = now - dt.timedelta(hours=3)
    assert [p["race_id"] for p in top_picks(day=today, n=5, now=earlier)] == [run.pk, later.pk]
    assert races_skipped(day=today, now=earlier) == {"cancelled": 1}
    assert top_picks(day=DAY, n=5) == [] and races_skipped(day=DAY) == {}


def test_with_no_active_version_there_is_nothing_to_read():
    race = race_with(positions=[1, 2, 3])
    assert top_picks(day=DAY) == []
    assert race_prediction_rows(race=race)[0]["win_probability"] is None


# -- fixed query counts ---------------------------------------------------------------------


def _day_of(n_races, day):
    version = model_version_active()
    races = [live_race(final=[2.0, 4.0, 6.0, 8.0], date=day, course=c) for c in range(1, n_races + 1)]
    predictions_score(start=day, end=day, model_version=version)
    return version, races


@pytest.mark.parametrize("n_races", [1, 7])
def test_every_selector_runs_a_fixed_number_of_queries(django_assert_num_queries, n_races):
    version, races = _day_of(n_races, live_day())
    with django_assert_num_queries(1):
        assert len(race_prediction_rows(race=races[0], model_version=version)) == 4
    with django_assert_num_queries(1):
        assert len(top_picks(day=live_day(), n=5, model_version=version)) == min(n_races, 5)


# -- the race card on the race's clock -----------------------------------------------------


def _trained(version: str, until: dt.date | None) -> ModelVersion:
    return ModelVersion.objects.create(version=version, kind=ModelKind.COMBINED, trained_until=until)


def _wins(card) -> list[float | None]:
    return [row["win_probability"] for row in card["rows"]]


def test_a_race_to_come_shows_the_active_versions_current_prediction_and_the_time_of_its_odds():
    odds_at = timezone.now() - dt.timedelta(minutes=2)
    race = live_race(final=[2.0, 4.0, 4.0])
    Race.objects.filter(pk=race.pk).update(odds_at=odds_at)
    predictions_score(start=live_day(), end=live_day())
    card = race_card(day=live_day(), code="R1C1")
    assert (card["phase"], card["basis"], card["model_version"], card["odds_at"]) == (
        "scheduled",
        "live",
        "market-baseline-1",
        odds_at,
    )
    assert card["scored_at"] == Prediction.objects.filter(runner__race=race).first().scored_at
    assert _wins(card) == pytest.approx([0.5, 0.25, 0.25])
    assert card["published_at"] is None and card["result"] is None


def test_a_race_gone_off_shows_what_was_published_at_the_off_not_the_active_versions_rows():
    start = timezone.now() - dt.timedelta(minutes=10)
    race = live_race(final=[2.0, 4.0, 4.0], date=timezone.localdate(), start_time=start)
    Race.objects.filter(pk=race.pk).update(odds_at=start - dt.timedelta(minutes=3))
    old = model_version_active()
    predict(old, race, [0.5, 0.3, 0.2])
    Prediction.objects.filter(runner__race=race).update(scored_at=start - dt.timedelta(minutes=1))
    assert predictions_freeze(race_ids=[race.pk], stage=PublishedStage.OFF).predictions == 3
    # A later model, active now, whose rows on that race are hindsight.
    new = _trained("xgb-late", timezone.localdate())
    model_version_activate(model_version=new)
    predict(new, race, [0.1, 0.1, 0.8])
    card = race_card_by_id(race_id=race.pk)
    assert (card["phase"], card["basis"], card["stage"]) == ("off", "published", "off")
    assert card["model_version"] == old.version
    assert _wins(card) == pytest.approx([0.5, 0.3, 0.2])
    assert card["scored_at"] == start - dt.timedelta(minutes=1) and card["odds_at"] == start - dt.timedelta(minutes=3)
    assert card["published_at"] is not None and {row["model_version"] for row in card["rows"]} == {old.version}


def test_without_an_off_freeze_the_morning_one_is_shown():
    race = live_race(final=[2.0, 4.0, 4.0])
    predictions_score(start=live_day(), end=live_day())
    predictions_freeze(race_ids=[race.pk], stage=PublishedStage.MORNING)
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.RUNNING)
    card = race_card_by_id(race_id=race.pk)
    assert (card["phase"], card["basis"], card["stage"]) == ("running", "published", "morning")
    assert _wins(card) == pytest.approx([0.5, 0.25, 0.25])


def test_a_race_never_served_live_shows_the_walk_forward_prediction():
    race = race_with(final=[2.0, 4.0, 4.0], positions=[2, 1, 3])  # imported history, finished on DAY
    market = model_version_active()
    predict(market, race, [0.5, 0.25, 0.25])
    before = _trained("xgb-before", DAY - dt.timedelta(days=1))
    predict(before, race, [0.3, 0.6, 0.1])
    hindsight = _trained("xgb-hindsight", DAY)  # trained on that very day: it may not vouch for the race
    predict(hindsight, race, [0.05, 0.9, 0.05])
    model_version_activate(model_version=hindsight)
    card = race_card(day=DAY, code="R1C1")
    assert (card["phase"], card["basis"], card["model_version"]) == ("finished", "walk_forward", "xgb-before")
    assert _wins(card) == pytest.approx([0.3, 0.6, 0.1])
    assert card["stage"] is None and card["published_at"] is None
    # Without the version trained before, the market baseline speaks; without any, nobody does.
    Prediction.objects.filter(model_version=before).delete()
    assert race_card(day=DAY, code="R1C1")["model_version"] == market.version
    Prediction.objects.filter(model_version=market).delete()
    card = race_card(day=DAY, code="R1C1")
    assert (card["basis"], card["model_version"], _wins(card)) == (None, None, [None, None, None])
    assert {row["model_version"] for row in card["rows"]} == {None}


def test_the_odds_time_of_a_walk_forward_prediction_is_that_of_the_odds_it_saw():
    race = race_with(final=[2.0, 4.0, 4.0])
    predict(model_version_active(), race, [0.5, 0.25, 0.25])
    scored_at = Prediction.objects.filter(runner__race=race).first().scored_at
    runner = race.runners.get(saddle_number=1)
    OddsSnapshot.objects.create(runner=runner, taken_at=scored_at - dt.timedelta(minutes=7), odds=Decimal("2.10"))
    OddsSnapshot.objects.create(runner=runner, taken_at=scored_at + dt.timedelta(minutes=7), odds=Decimal("2.00"))
    Race.objects.filter(pk=race.pk).update(odds_at=scored_at + dt.timedelta(minutes=7))
    assert race_card(day=DAY, code="R1C1")["odds_at"] == scored_at - dt.timedelta(minutes=7)


def test_a_finished_race_shows_its_arrival_with_the_non_partants_struck_and_its_rapports():
    race = race_with(
        final=[2.0, 4.0, None, 4.0],
        positions=[2, 1, None, 3],
        statuses=[RunnerStatus.RUNNER, RunnerStatus.RUNNER, RunnerStatus.NON_PARTANT, RunnerStatus.RUNNER],
        win_rapports={2: "4.10"},
    )
    card = race_card(day=DAY, code="R1C1")
    assert card["phase"] == "finished"
    result = card["result"]
    assert [(p["position"], p["saddle_number"]) for p in result["arrival"]] == [(1, 2), (2, 1), (3, 4)]
    assert result["non_partants"] == [3] and result["official"] is False
    assert [(r["bet_type"], r["combination"], r["amount"]) for r in result["rapports"]] == [
        ("simple_gagnant", "2", Decimal("4.10"))
    ]
    assert [row["position"] for row in card["rows"]] == [2, 1, None, 3]
    Race.objects.filter(pk=race.pk).update(results_official=True)
    assert race_card(day=DAY, code="R1C1")["result"]["official"] is True
