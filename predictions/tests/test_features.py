"""Features: built in bulk, and time-safe — a race's own result and anything later never reach it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import BetType, Dividend, Horse, Jockey, Race, RaceStatus, Runner, RunnerStatus, Source
from predictions.services import features as F
from predictions.services.features import (
    FEATURE_LABELS,
    FUNDAMENTAL_FEATURES,
    MARKET_FEATURES,
    feature_frame,
    feature_rows_of,
    features_from_frame,
)
from predictions.services.features import build as features_build
from predictions.services.features import history as features_history
from predictions.services.features.race import _parse_musique

from .factories import race_for

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 1)
TODAY = dt.date(2025, 2, 10)
COLUMNS = list(FEATURE_LABELS)


def _load_demo(today: dt.date = TODAY) -> None:
    call_command(
        "load_demo",
        "--start",
        str(START),
        "--today",
        str(today),
        "--seed",
        "11",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )


def _rows(frame: F.FeatureFrame, race_ids) -> pd.DataFrame:
    data = frame.data
    return data.loc[data["race_id"].isin(list(race_ids))].set_index("runner_id").sort_index()


def _assert_same(before: pd.DataFrame, after: pd.DataFrame, columns=COLUMNS) -> None:
    assert list(before.index) == list(after.index)
    pd.testing.assert_frame_equal(before[columns], after[columns], check_exact=True)


def _rewrite_result(race: Race) -> None:
    """Turn the race's result upside down: order, times, lengths, dead heat, place flags, rapports."""
    runners = list(race.runners.exclude(status=RunnerStatus.NON_PARTANT).order_by("saddle_number"))
    Runner.objects.filter(race=race).update(position=None, dead_heat=False)
    for i, runner in enumerate(runners):
        runner.position = len(runners) - i if i else 1
        runner.dead_heat = i in (0, len(runners) - 1)  # first and last share first place
        runner.finish_time = Decimal("60.00") + i
        runner.reduction_km = Decimal("70.00") + i
        runner.lengths_behind = Decimal(i)
        runner.early_position = len(runners) - i
        runner.last_section_time = Decimal("23.00") + i
        runner.placed = i < 2
        runner.status = RunnerStatus.RUNNER
    if runners:
        runners[-1].position = 1
    Runner.objects.bulk_update(
        runners,
        [
            "position",
            "dead_heat",
            "finish_time",
            "reduction_km",
            "lengths_behind",
            "early_position",
            "last_section_time",
            "placed",
            "status",
        ],
    )
    Dividend.objects.filter(race=race).delete()
    Dividend.objects.create(race=race, bet_type=BetType.SIMPLE_GAGNANT, combination="1", amount=Decimal("99.90"))


def test_a_races_own_result_does_not_change_its_features():
    _load_demo()
    day = dt.date(2025, 1, 25)
    races = list(Race.objects.filter(meeting__date=day, status=RaceStatus.FINISHED))
    later_start = day + dt.timedelta(days=1)
    before = feature_frame(start=day, end=TODAY, source=Source.DEMO)

    for race in races:
        _rewrite_result(race)
    after = feature_frame(start=day, end=TODAY, source=Source.DEMO)

    ids = [race.id for race in races]
    _assert_same(_rows(before, ids), _rows(after, ids))
    # The same results do reach the later races of those horses: the test can fail.
    later = Race.objects.filter(meeting__date__gte=later_start).values_list("id", flat=True)
    changed = (_rows(before, later)[COLUMNS].fillna(-999) != _rows(after, later)[COLUMNS].fillna(-999)).any(axis=1)
    assert changed.sum() > 10


def test_a_horses_features_count_only_days_strictly_before_its_race():
    horses = [Horse.objects.create(name=f"H{i}", source=Source.MANUAL) for i in range(4)]
    _star, *_others = horses
    jockey = Jockey.objects.create(name="A. Rider")
    jockeys = [jockey, *[Jockey.objects.create(name=f"J{i}") for i in range(3)]]
    day1, day2, day3 = dt.date(2025, 3, 1), dt.date(2025, 3, 8), dt.date(2025, 3, 15)
    first = race_for(horses, date=day1, positions=[1, 2, 3, 4], jockeys=jockeys)
    morning = race_for(horses, date=day2, course=1, positions=[4, 1, 2, 3], jockeys=jockeys)
    afternoon = race_for(horses, date=day2, course=2, positions=[1, 2, 3, 4], jockeys=jockeys)
    last = race_for(horses, date=day3, positions=[None] * 4, status=RaceStatus.SCHEDULED, jockeys=jockeys)

    data = feature_frame(start=day1, end=day3).data.set_index(["race_id", "saddle"])

    def star_in(race):
        return data.loc[(race.id, 1)]

    assert star_in(first)["h_runs"] == 0 and np.isnan(star_in(first)["h_last1"])
    for same_day in (morning, afternoon):  # neither sees the other, both see day 1
        row = star_in(same_day)
        assert row["h_runs"] == 1
        assert row["h_won_last"] == 1 and row["h_last1"] == 1.0
        assert row["h_days_since"] == 7
        assert row["j_rides_365"] == 1
    row = star_in(last)
    assert row["h_runs"] == 3
    assert row["j_rides_365"] == 3
    assert row["h_days_since"] == 7
    # Its latest run is one of the two day-2 races: a win or a last place, nothing from day 3.
    assert row["h_last1"] in (0.0, 1.0)
    assert row["h_last3"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)


def test_sectionals_give_each_horse_its_running_style_and_the_race_its_pace():
    horses = [Horse.objects.create(name=f"H{i}", source=Source.MANUAL) for i in range(5)]
    days = [dt.date(2025, 3, 1), dt.date(2025, 3, 8), dt.date(2025, 3, 15)]
    past = [race_for(horses, date=day, positions=[1, 2, 3, 4, 5]) for day in days[:2]]
    today = race_for(horses, date=days[2], positions=[None] * 5, status=RaceStatus.SCHEDULED)
    # Horse 1 led early both times and won; horse 5 was last, then second early, and faded to 5th.
    for race, early, last in zip(
        past, ([1, 2, 3, 4, 5], [1, 5, 3, 4, 2]), ([24.0, 24.2, 24.4, 24.6, 23.4],) * 2, strict=False
    ):
        for runner in race.runners.all():
            runner.early_position = early[runner.saddle_number - 1]
            runner.last_section_time = Decimal(str(last[runner.saddle_number - 1]))
            runner.save()

    data = feature_frame(start=days[2], end=days[2]).data.set_index("saddle")

    # Early position as the share of the field ahead (0 = leading, 1 = last).
    assert data.loc[1, "h_early_last"] == 0.0 and data.loc[1, "h_early3"] == 0.0
    assert data.loc[2, "h_early_last"] == 1.0 and data.loc[2, "h_early3"] == pytest.approx((0.25 + 1.0) / 2)
    assert data.loc[5, "h_early_last"] == 0.25 and data.loc[5, "h_gain_last"] == pytest.approx(0.25 - 1.0)
    assert data.loc[5, "h_closing3"] == pytest.approx(23.4 - 24.2, abs=1e-5)  # 0.8 s faster than the median (24.2)
    assert data.loc[1, "pace_leaders"] == 1  # only horse 1 usually runs in the first quarter of the field
    assert data.loc[1, "h_early_rel"] < 0 < data.loc[4, "h_early_rel"]
    assert data.loc[3, "early_draw"] == pytest.approx(0.5 * 3)
    # Nothing of today's own sectionals is known before the race.
    today.runners.update(early_position=1, last_section_time=Decimal("20.00"))
    again = feature_frame(start=days[2], end=days[2]).data.set_index("saddle")
    _assert_same(data.sort_index(), again.sort_index())


def test_the_market_group_moves_only_the_market_columns():
    _load_demo()
    day = dt.date(2025, 1, 20)
    before = feature_frame(start=day, end=day, source=Source.DEMO)
    Runner.objects.filter(race__meeting__date=day).update(final_odds=Decimal("7.00"), morning_odds=Decimal("3.00"))
    after = feature_frame(start=day, end=day, source=Source.DEMO)
    ids = set(before.data["race_id"])
    _assert_same(_rows(before, ids), _rows(after, ids), columns=list(FUNDAMENTAL_FEATURES))
    assert (_rows(after, ids)["mkt_drift"] == np.float32(np.log(3 / 7))).all()  # features are float32
    assert not set(MARKET_FEATURES) & set(FUNDAMENTAL_FEATURES)


def test_features_take_the_same_queries_for_three_days_or_thirty():
    _load_demo()

    def queries(start: dt.date, end: dt.date) -> int:
        with CaptureQueriesContext(connection) as captured:
            frame = feature_frame(start=start, end=end)
        assert len(frame) > 0
        return len(captured)

    assert queries(dt.date(2025, 1, 5), dt.date(2025, 1, 7)) == queries(dt.date(2025, 1, 5), dt.date(2025, 2, 5))


@pytest.fixture
def short_windows(monkeypatch):
    """Windows of days, not years: a few weeks of demo racing exceed them."""
    # Patched where they are read: the trailing windows in history, what is loaded in build.
    monkeypatch.setattr(features_history, "HISTORY_DAYS", 9)
    monkeypatch.setattr(features_history, "STANDARD_DAYS", 5)
    monkeypatch.setattr(features_build, "LOAD_DAYS", 14)
    monkeypatch.setattr(features_history, "RECENT_DAYS", 7)
    monkeypatch.setattr(features_history, "PEOPLE_DAYS", 6)
    monkeypatch.setattr(features_history, "PAIR_DAYS", 8)


def test_features_do_not_depend_on_how_much_history_is_loaded(short_windows):
    _load_demo()
    start = dt.date(2025, 2, 1)
    windowed = feature_frame(start=start, end=TODAY, source=Source.DEMO).data.set_index("runner_id").sort_index()
    raw = feature_rows_of(source=Source.DEMO)
    target = ((raw["date"] >= start) & (raw["date"] <= TODAY)).to_numpy()
    full = features_from_frame(raw, target).data.set_index("runner_id").sort_index()
    _assert_same(full, windowed)


def test_features_built_in_blocks_of_days_are_the_features_built_at_once(short_windows):
    # With short windows, each block really loads only part of the history.
    _load_demo()
    whole = feature_frame(source=Source.DEMO)
    blocks = list(F.feature_frames(source=Source.DEMO, chunk_days=4))

    assert len(blocks) >= 10
    assert sum(len(block) for block in blocks) == len(whole)
    pd.testing.assert_frame_equal(feature_frame(source=Source.DEMO, chunk_days=4).data, whole.data, check_exact=True)
    finished = {"start": dt.date(2025, 1, 20), "end": TODAY, "finished_only": True}
    pd.testing.assert_frame_equal(
        feature_frame(**finished, chunk_days=3).data, feature_frame(**finished).data, check_exact=True
    )
    assert whole.data[COLUMNS].dtypes.eq(np.float32).all()


def test_the_musique_is_read_most_recent_first():
    runs, last, mean5, wins5, top3, faults5 = _parse_musique("1a9mDa4m8a(24)9a0aDa8a0a")
    assert (runs, last, wins5, top3, faults5) == (10, 1, 1, 1, 1)
    assert mean5 == pytest.approx((1 + 9 + 10 + 4 + 8) / 5)  # D counts as 10, like 0 (tenth or worse)
    assert all(np.isnan(_parse_musique("")))
