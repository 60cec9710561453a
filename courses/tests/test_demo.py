"""The synthetic demo programme: labelled, PMU-shaped, deterministic, idempotent, and with real signal."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from courses.demo import PARIS, DemoGenerator, musique, plan_day, planned_source_ids, rapport
from courses.models import (
    BetType,
    Dividend,
    Horse,
    Jockey,
    Meeting,
    Race,
    Racecourse,
    RaceStatus,
    Runner,
    RunnerStatus,
    Source,
    Trainer,
)

TODAY = dt.date(2026, 3, 15)
TOMORROW = TODAY + dt.timedelta(days=1)
START = TODAY - dt.timedelta(days=60)
SUMMARY = re.compile(r"races created=(\d+) updated=(\d+) unchanged=(\d+) rejected=(\d+)")


def load(*, today: dt.date = TODAY, start: dt.date = START, seed: int = 42) -> str:
    out = StringIO()
    call_command(
        "load_demo",
        "--start",
        start.isoformat(),
        "--today",
        today.isoformat(),
        "--seed",
        str(seed),
        "--no-progress",
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def counts(output: str) -> tuple[int, int, int, int]:
    return tuple(int(n) for n in SUMMARY.search(output.splitlines()[-1]).groups())


def delete_demo_rows() -> None:
    Race.objects.filter(source=Source.DEMO).delete()
    for model in (Meeting, Horse, Jockey, Trainer, Racecourse):
        model.objects.filter(source=Source.DEMO).delete()


def digest(*, before: dt.date | None = None) -> str:
    """Every demo row that matters, without ids or timestamps, hashed."""
    races = Race.objects.filter(source=Source.DEMO)
    if before:
        races = races.filter(meeting__date__lt=before)
    rows = [
        sorted(
            races.values_list(
                "meeting__date",
                "meeting__number",
                "meeting__racecourse__code",
                "number",
                "source_id",
                "name",
                "discipline",
                "distance",
                "going",
                "race_class",
                "prize",
                "start_time",
                "is_quinte",
                "status",
                "declared_runners",
                "extra",
            )
        ),
        sorted(
            Runner.objects.filter(race__in=races).values_list(
                "race__source_id",
                "saddle_number",
                "horse__source_id",
                "jockey__source_id",
                "trainer__source_id",
                "draw",
                "weight_kg",
                "handicap_distance",
                "age",
                "rating",
                "career_earnings",
                "musique",
                "shoeing",
                "morning_odds",
                "final_odds",
                "status",
                "position",
                "dead_heat",
                "placed",
                "reduction_km",
            )
        ),
        sorted(
            Dividend.objects.filter(race__in=races).values_list("race__source_id", "bet_type", "combination", "amount")
        ),
        sorted(
            Horse.objects.filter(runs__race__in=races)
            .distinct()
            .values_list("source_id", "name", "sex", "birth_year", "sire")
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Sixty days of history plus today and tomorrow, loaded once for the module; each test's writes roll back."""
    with django_db_blocker.unblock():
        output = load()
        yield output
        delete_demo_rows()


def test_it_reports_every_race_created(demo, db):
    created, updated, unchanged, rejected = counts(demo)
    assert created == Race.objects.count() > 300
    assert (updated, unchanged, rejected) == (0, 0, 0)


def test_every_row_is_labelled_synthetic(demo, db):
    for model in (Race, Meeting, Horse, Jockey, Trainer, Racecourse):
        assert set(model.objects.values_list("source", flat=True)) == {Source.DEMO}, model
    for code, name in Racecourse.objects.values_list("code", "name"):
        assert code.startswith("DEMO-") and name.endswith(" (synthetic)")
    assert not Race.objects.exclude(extra__synthetic=True).exists()


def test_today_and_tomorrow_are_scheduled_with_one_quinte_and_8_to_18_runners(demo, db):
    for day in (TODAY, TOMORROW):
        races = Race.objects.filter(meeting__date=day).annotate(n=Count("runners"))
        assert races.count() >= 5
        assert {r.status for r in races} == {RaceStatus.SCHEDULED}
        assert all(8 <= r.n <= 18 and r.declared_runners == r.n for r in races)
        (quinte,) = [r for r in races if r.is_quinte]
        assert 14 <= quinte.n <= 18
        assert Meeting.objects.filter(date=day).count() >= 2
        for race in races:
            local = race.start_time.astimezone(PARIS)
            assert local.date() == day and dt.time(12) <= local.time() <= dt.time(19, 30)
    future = Runner.objects.filter(race__meeting__date__gte=TODAY)
    assert not future.filter(Q(position__isnull=False) | Q(final_odds__isnull=False) | Q(placed__isnull=False)).exists()
    assert not future.filter(morning_odds__isnull=True).exists()
    assert set(future.values_list("status", flat=True)) == {RunnerStatus.RUNNER}
    assert not Dividend.objects.filter(race__meeting__date__gte=TODAY).exists()


def test_past_races_are_finished_with_one_winner_or_a_dead_heat_and_a_realistic_book(demo, db):
    past = Race.objects.filter(meeting__date__lt=TODAY).prefetch_related("runners")
    assert {r.status for r in past} == {RaceStatus.FINISHED}
    quintes = Counter(r.meeting.date for r in past.select_related("meeting") if r.is_quinte)
    assert len(quintes) == (TODAY - START).days and set(quintes.values()) == {1}
    for race in past:
        runners = list(race.runners.all())
        winners = [r for r in runners if r.position == 1]
        assert len(winners) == 1 or (len(winners) == 2 and all(r.dead_heat for r in winners))
        book = sum(1 / float(r.final_odds) for r in runners if r.final_odds is not None)
        assert 1.12 <= book <= 1.30, (race.source_id, book)
        positions = sorted(r.position for r in runners if r.position)
        assert positions[0] == 1 and len(positions) >= len(runners) // 2


def test_non_partants_and_disqualified_runners_are_a_few_per_hundred(demo, db):
    past = Runner.objects.filter(race__meeting__date__lt=TODAY)
    total = past.count()
    scratched = past.filter(status=RunnerStatus.NON_PARTANT)
    assert 0.005 < scratched.count() / total < 0.06
    assert not scratched.filter(Q(position__isnull=False) | Q(final_odds__isnull=False)).exists()
    disqualified = past.filter(status=RunnerStatus.DISQUALIFIED)
    assert 0.01 < disqualified.count() / total < 0.08
    assert set(disqualified.values_list("race__discipline", flat=True)) <= {"trot_attele", "trot_monte"}
    assert not disqualified.filter(position__isnull=False).exists()


def test_rapports_follow_the_pmu_rules(demo, db):
    dividends = defaultdict(dict)
    for race_id, bet, combination, amount in Dividend.objects.values_list(
        "race_id", "bet_type", "combination", "amount"
    ):
        assert amount >= Decimal("1.10") and amount % Decimal("0.10") == 0, (bet, amount)
        dividends[race_id].setdefault(bet, {})[combination] = amount
    races = Race.objects.filter(meeting__date__lt=TODAY).prefetch_related("runners")
    for race in races:
        paid = dividends[race.id]
        runners = sorted((r for r in race.runners.all() if r.position), key=lambda r: (r.position, r.saddle_number))
        first = [r for r in runners if r.position == 1]
        if len(first) == 1:  # the simple gagnant is the winner's pool payout: its final odds
            assert paid[BetType.SIMPLE_GAGNANT] == {str(first[0].saddle_number): first[0].final_odds}
        starters = sum(r.status != RunnerStatus.NON_PARTANT for r in race.runners.all())
        placed = runners[: 3 if starters >= 8 else 2]
        assert set(paid[BetType.SIMPLE_PLACE]) == {str(r.saddle_number) for r in placed}
        assert {r.saddle_number for r in race.runners.all() if r.placed} == {r.saddle_number for r in placed}
        assert set(paid[BetType.COUPLE_GAGNANT]) == {"-".join(str(r.saddle_number) for r in runners[:2])}
        assert set(paid[BetType.TRIO]) == {"-".join(str(r.saddle_number) for r in runners[:3])}
        if race.is_quinte:
            five = "-".join(str(r.saddle_number) for r in runners[:5])
            assert set(paid[BetType.QUINTE_ORDRE]) == set(paid[BetType.QUINTE_DESORDRE]) == {five}
            assert paid[BetType.QUINTE_ORDRE][five] >= paid[BetType.QUINTE_DESORDRE][five]
        else:
            assert BetType.QUINTE_ORDRE not in paid


def test_musique_shows_only_the_horse_s_earlier_published_results(demo, db):
    letters = {"trot_attele": "a", "trot_monte": "m", "plat": "p"}
    runs = defaultdict(list)
    rows = Runner.objects.values_list(
        "horse_id", "race__meeting__date", "race__discipline", "status", "position", "musique", "career_earnings"
    ).order_by("race__meeting__date")
    checked = 0
    for horse, day, discipline, status, position, shown, _earnings in rows:
        earlier = [token for run_day, token in runs[horse] if run_day < min(day, TODAY)]
        assert re.sub(r"\(\d\d\)", "", shown) == "".join(reversed(earlier[-10:])), (horse, day)
        checked += bool(earlier)
        if day < TODAY and status != RunnerStatus.NON_PARTANT:
            place = (
                "D" if status == RunnerStatus.DISQUALIFIED else "A" if position is None else str(min(position, 10) % 10)
            )
            runs[horse].append((day, place + letters[discipline]))
    assert checked > 1000


def test_career_earnings_grow_by_the_prize_won_in_between(demo, db):
    shares = {1: 0.50, 2: 0.20, 3: 0.14, 4: 0.10, 5: 0.06}
    last: dict[int, tuple] = {}
    for horse, _day, earnings, position, prize in (
        Runner.objects.filter(race__meeting__date__lt=TODAY)
        .values_list("horse_id", "race__meeting__date", "career_earnings", "position", "race__prize")
        .order_by("race__meeting__date")
    ):
        if horse in last:
            before, won_at, won_prize = last[horse]
            assert earnings - before == round(won_prize * Decimal(str(shares.get(won_at, 0))))
        last[horse] = (earnings, position, prize)


def test_the_same_seed_writes_the_same_rows_into_a_fresh_database(demo, db):
    first = digest()
    delete_demo_rows()
    load()
    assert digest() == first


def test_a_second_run_changes_nothing(demo, db):
    before = digest()
    output = load()
    created, updated, unchanged, rejected = counts(output)
    assert (created, updated, rejected) == (0, 0, 0)
    assert unchanged == Race.objects.filter(meeting__date__gte=TODAY).count()
    assert "finished races already in the database were skipped" in output
    assert digest() == before


def test_the_next_day_finishes_today_and_adds_a_new_tomorrow(demo, db):
    history = digest(before=TODAY)
    today_ids = set(Race.objects.filter(meeting__date=TODAY).values_list("source_id", flat=True))
    output = load(today=TOMORROW)
    created, updated, _unchanged, rejected = counts(output)
    assert created == len(plan_day(42, TOMORROW + dt.timedelta(days=1))) and rejected == 0
    assert updated >= len(today_ids)
    assert digest(before=TODAY) == history
    finished = Race.objects.filter(source_id__in=today_ids)
    assert {r.status for r in finished} == {RaceStatus.FINISHED}
    assert Runner.objects.filter(race__in=finished, position=1).count() >= len(today_ids)


def test_a_different_seed_replaces_the_programme_instead_of_skipping_it(demo, db):
    before = digest()
    output = load(seed=7)
    assert digest() != before
    created, updated, unchanged, rejected = counts(output)
    assert created + updated == Race.objects.count() - unchanged and rejected == 0
    assert "skipped" not in output and "removed" in output
    planned = set(planned_source_ids(seed=7, start=START, today=TODAY))
    assert set(Race.objects.values_list("source_id", flat=True)) == planned
    per_day = Counter(Race.objects.filter(is_quinte=True).values_list("meeting__date", flat=True))
    assert set(per_day.values()) == {1} and len(per_day) == (TOMORROW - START).days + 1


def test_it_refuses_a_start_after_today(db):
    with pytest.raises(CommandError, match="after today"):
        load(start=TOMORROW)


def test_a_past_race_does_not_depend_on_the_day_the_generator_runs():
    def past(today):
        return [r.payload for r in DemoGenerator(seed=3, start=START, today=today).races() if r.payload.date < TODAY]

    assert past(TODAY) == past(TODAY + dt.timedelta(days=9))


def test_the_odds_and_the_latent_ability_carry_real_signal():
    races = [
        r
        for r in DemoGenerator(seed=42, start=TODAY - dt.timedelta(days=150), today=TODAY).races()
        if r.payload.date < TODAY
    ]
    favourite_won, top_wins, bottom_wins = 0, 0, 0
    loss = {"truth": [], "market": [], "uniform": []}  # −ln p(winner) per race
    for race in races:
        runners = race.payload.runners
        started = [i for i, r in enumerate(runners) if r.final_odds is not None]
        winner = next(i for i in started if runners[i].position == 1)
        favourite_won += winner == min(started, key=lambda i: runners[i].final_odds)
        market = {i: 1 / float(runners[i].final_odds) for i in started}
        loss["truth"].append(-np.log(race.win_probability[winner]))
        loss["market"].append(-np.log(market[winner] / sum(market.values())))
        loss["uniform"].append(np.log(len(started)))
        by_ability = sorted(started, key=lambda i: race.ability[i])
        third = len(by_ability) // 3
        top_wins += winner in by_ability[-third:]
        bottom_wins += winner in by_ability[:third]
    assert 0.20 <= favourite_won / len(races) <= 0.45
    truth, market, uniform = (np.mean(loss[k]) for k in ("truth", "market", "uniform"))
    assert truth < market < uniform
    assert 0.10 <= 1 - market / uniform <= 0.30  # the market's pseudo-R², Hong Kong's is about 0.19
    assert top_wins > 3 * bottom_wins


def test_a_rapport_is_rounded_down_to_ten_cents_and_never_below_1_10():
    assert rapport(3.19) == Decimal("3.1")
    assert rapport(3.0) == Decimal("3.0")
    assert rapport(1.04) == Decimal("1.1")
    assert rapport(257.66) == Decimal("257.6")


def test_musique_puts_the_latest_run_first_and_marks_earlier_seasons():
    history = [(2025, "5a"), (2026, "Da"), (2026, "3a"), (2026, "1a")]
    assert musique(history, 2026) == "1a3aDa(25)5a"
    assert musique([(2025, "2p")], 2026) == "(25)2p"
