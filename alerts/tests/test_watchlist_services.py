"""The watchlist's service: the limit counted under the user's row lock, unfollowing by target, the plan above."""

import threading

import pytest
from django.db import connection

from alerts.models import WatchlistEntry
from alerts.services.watchlist import watchlist_entry_create, watchlist_limit_above, watchlist_target_delete
from billing.exceptions import PlanRequired
from billing.models import Plan
from courses.models import Horse


@pytest.mark.django_db
def test_unfollowing_by_target_says_whether_it_was_followed(free_user):
    horse = Horse.objects.create(name="Idao de Tillard")
    watchlist_entry_create(user=free_user, kind="horse", target_id=horse.pk)
    assert watchlist_target_delete(user=free_user, kind="horse", target_id=horse.pk) is True
    assert watchlist_target_delete(user=free_user, kind="horse", target_id=horse.pk) is False


@pytest.mark.django_db
def test_the_plan_above_is_the_cheapest_that_keeps_more():
    free, premium, pro = (Plan.objects.get(code=code) for code in ("free", "premium", "pro"))
    assert watchlist_limit_above(free) == premium and watchlist_limit_above(premium) == pro
    assert watchlist_limit_above(pro) is None
    assert watchlist_limit_above(None) == free


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # after it, the next test gets the migrations' rows
def test_two_follows_at_once_cannot_both_pass_the_limit(django_user_model):
    from conftest import _user

    user = _user(django_user_model, "racer@turf.test", "free")
    horses = [Horse.objects.create(name=f"Horse {i}") for i in range(6)]
    for horse in horses[:4]:  # one entry left of the free plan's 5
        watchlist_entry_create(user=user, kind="horse", target_id=horse.pk)
    barrier, outcomes = threading.Barrier(2), []

    def follow(horse):
        try:
            barrier.wait()
            watchlist_entry_create(user=user, kind="horse", target_id=horse.pk)
            outcomes.append("stored")
        except PlanRequired:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=follow, args=(horse,)) for horse in horses[4:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert WatchlistEntry.objects.filter(user=user).count() == 5
