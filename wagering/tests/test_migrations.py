"""Bets and backtests moved from ``predictions`` to ``wagering`` with every row (migrations, both ways)."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from courses.models import Runner
from predictions.tests.factories import DAY, race_with
from wagering.models import BacktestBet, BacktestJob, UserBet

BEFORE = [("predictions", "0005_backtests")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bets_and_backtest_jobs_survive_the_move_to_the_wagering_app():
    race = race_with(final=(2.0, 4.0, 4.0), positions=(1, 2, 3))
    runner = Runner.objects.get(race=race, saddle_number=1)
    user = get_user_model().objects.create_user(email="mover@turf.test", password="s3cret-Pass!")
    try:
        old = _migrate(BEFORE)  # the tables back under predictions, as a database of the previous release has them
        OldBet, OldJob, OldBacktestBet = (
            old.get_model("predictions", m) for m in ("UserBet", "BacktestJob", "BacktestBet")
        )
        bet = OldBet.objects.create(
            user_id=user.pk, runner_id=runner.pk, bet_type="simple_gagnant", stake=Decimal("5.00"), odds=Decimal("2.40")
        )
        job = OldJob.objects.create(
            owner_id=user.pk,
            params={"selection": "value"},
            start=DAY,
            end=DAY,
            status="done",
            progress=100,
            result={"summary": {"bets": 1}},
        )
        OldBacktestBet.objects.create(
            job_id=job.pk,
            seq=1,
            race_id=race.pk,
            date=DAY,
            race_code="R1C1",
            racecourse="Hippodrome VIN",
            bet_type="simple_gagnant",
            selection="1",
            horse="Horse",
            odds=Decimal("2.00"),
            stake=Decimal("1.00"),
            returned=Decimal("2.00"),
            profit=Decimal("1.00"),
            bankroll=Decimal("101.00"),
            settled_by="rapport",
        )
    finally:
        _migrate(_latest())

    moved = UserBet.objects.get(pk=bet.pk)
    assert (moved.user_id, moved.runner_id, moved.stake, moved.odds) == (
        user.pk,
        runner.pk,
        Decimal("5.00"),
        Decimal("2.40"),
    )
    job = BacktestJob.objects.get(pk=job.pk)
    assert (job.owner_id, job.status, job.result) == (user.pk, "done", {"summary": {"bets": 1}})
    assert list(BacktestBet.objects.filter(job=job).values_list("seq", "race_code", "profit")) == [
        (1, "R1C1", Decimal("1.00"))
    ]
    # The moved tables keep working: new rows get new ids, the foreign keys still hold.
    again = UserBet.objects.create(user=user, runner=runner, bet_type="simple_place", stake=1, odds=Decimal("1.50"))
    assert again.pk > bet.pk
    assert ContentType.objects.get_for_model(UserBet).app_label == "wagering"
    assert not ContentType.objects.filter(app_label="predictions", model="userbet").exists()
