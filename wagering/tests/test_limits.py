"""Betting limits on the bankroll tracker: set, lowered at once, raised after the delay, enforced on each bet."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import RaceStatus
from predictions.tests.factories import race_with
from turf.models import AuditAction, AuditEntry
from wagering.models import BettingLimit, UserBet, UserBetStatus
from wagering.services.bankroll import user_bet_create
from wagering.services.limits import betting_limits_get, betting_limits_set, limit_period

pytestmark = pytest.mark.django_db
LIMITS = "/api/v1/bets/limits"


@pytest.fixture
def tomorrow_race():
    return race_with(
        final=None,
        morning=[2.0, 4.0, 5.0, 8.0, 9.0, 12.0],
        date=timezone.localdate() + dt.timedelta(days=1),
        status=RaceStatus.SCHEDULED,
    )


def bet(api, user, race, stake="10", saddle=1):
    return api.as_user(user).post(
        "/api/v1/bets",
        {"race_id": race.pk, "saddle_number": saddle, "bet_type": "simple_gagnant", "stake": stake, "odds": "4"},
        format="json",
    )


def put(api, user, **limits):
    return api.as_user(user).put(LIMITS, limits, format="json")


def limits(api, user) -> dict:
    response = api.as_user(user).get(LIMITS)
    assert response.status_code == 200
    return response.json()["data"]


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_no_limit_at_first_and_nothing_used(api, free_user):
    data = limits(api, free_user)
    assert set(data) == {"stake_day", "stake_week", "stake_month", "loss_month"}
    assert all(row["amount"] is None and row["pending"] is None and row["remaining"] is None for row in data.values())
    assert {row["period"] for row in data.values()} == {"day", "week", "month"}
    assert all(row["used"] == 0 for row in data.values())


def test_a_limit_set_where_none_was_takes_effect_at_once_and_is_audited(api, free_user):
    response = put(api, free_user, stake_day="50.00")
    assert response.status_code == 200
    row = response.json()["data"]["stake_day"]
    assert (row["amount"], row["pending"], row["remaining"]) == (50.0, None, 50.0)
    assert response.json()["raise_delay_hours"] == 48
    assert limits(api, free_user)["stake_week"]["amount"] is None  # only the kinds given change
    (entry,) = audit(AuditAction.LIMIT_CHANGED)
    assert (entry.subject_id, entry.actor_id, entry.target) == (free_user.pk, free_user.pk, "betting_limit:stake_day")
    assert entry.before == {"amount": None, "pending": None}
    assert entry.after == {"amount": "50.00", "pending": None}
    assert entry.address == "127.0.0.1"


def test_a_bet_past_a_limit_is_refused_naming_it_and_nothing_is_stored(api, free_user, tomorrow_race):
    put(api, free_user, stake_day="50")
    assert bet(api, free_user, tomorrow_race, stake="30").status_code == 201
    response = bet(api, free_user, tomorrow_race, stake="30", saddle=2)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "limit_exceeded"
    assert body["message"] == (
        "This bet of 30.00 € would pass your limit on stakes per day: 50.00 € a day. "
        "30.00 € staked today, 20.00 € left."
    )
    assert UserBet.objects.count() == 1
    (refusal,) = audit(AuditAction.LIMIT_REFUSED)
    assert refusal.subject_id == free_user.pk and refusal.target == "betting_limit:stake_day"
    assert refusal.before == {"limit": "50.00", "period": "day", "used": "30.00", "remaining": "20.00"}
    assert refusal.after["refused_bet"]["stake"] == "30.00"
    assert bet(api, free_user, tomorrow_race, stake="20", saddle=2).status_code == 201  # up to the limit is fine
    assert limits(api, free_user)["stake_day"]["remaining"] == 0


def test_lowering_takes_effect_at_once(api, free_user, tomorrow_race):
    put(api, free_user, stake_week="100")
    response = put(api, free_user, stake_week="20")
    assert response.json()["data"]["stake_week"]["amount"] == 20.0
    assert bet(api, free_user, tomorrow_race, stake="25").status_code == 409


def test_raising_waits_the_delay(api, free_user, tomorrow_race):
    put(api, free_user, stake_day="50")
    asked = timezone.now()
    response = put(api, free_user, stake_day="100")
    row = response.json()["data"]["stake_day"]
    assert row["amount"] == 50.0 and row["pending"]["amount"] == 100.0
    effective = dt.datetime.fromisoformat(row["pending"]["effective_at"])
    assert dt.timedelta(hours=48) <= effective - asked < dt.timedelta(hours=48, minutes=1)
    assert bet(api, free_user, tomorrow_race, stake="60").status_code == 409  # still 50 in force
    almost = effective - dt.timedelta(seconds=1)
    assert betting_limits_get(user=free_user, now=almost)[0]["amount"] == Decimal("50")
    assert betting_limits_get(user=free_user, now=effective)[0]["amount"] == Decimal("100")
    # 48 hours later (the rows moved back in time): the raise is in force.
    BettingLimit.objects.update(effective_at=timezone.now() - dt.timedelta(seconds=1))
    assert limits(api, free_user)["stake_day"] | {"period_start": 0, "period_end": 0} == {
        "kind": "stake_day",
        "label": "Stakes per day",
        "amount": 100.0,
        "pending": None,
        "period": "day",
        "period_start": 0,
        "period_end": 0,
        "used": 0.0,
        "remaining": 100.0,
    }
    assert bet(api, free_user, tomorrow_race, stake="60").status_code == 201


def test_lifting_a_limit_waits_too(api, free_user, tomorrow_race):
    put(api, free_user, loss_month="10")
    row = put(api, free_user, loss_month=None).json()["data"]["loss_month"]
    assert row["amount"] == 10.0 and row["pending"]["amount"] is None
    assert bet(api, free_user, tomorrow_race, stake="11").status_code == 409
    (_, lift) = audit(AuditAction.LIMIT_CHANGED)
    assert lift.before == {"amount": "10.00", "pending": None}
    assert lift.after["amount"] == "10.00" and lift.after["pending"]["amount"] is None


def test_a_lower_request_cancels_a_pending_raise_and_a_later_raise_replaces_it(api, free_user):
    put(api, free_user, stake_month="100")
    first = put(api, free_user, stake_month="200").json()["data"]["stake_month"]["pending"]
    second = put(api, free_user, stake_month="300").json()["data"]["stake_month"]["pending"]
    assert second["amount"] == 300.0 and second["effective_at"] >= first["effective_at"]
    assert BettingLimit.objects.filter(effective_at__gt=timezone.now()).count() == 1
    row = put(api, free_user, stake_month="80").json()["data"]["stake_month"]
    assert (row["amount"], row["pending"]) == (80.0, None)
    assert not BettingLimit.objects.filter(effective_at__gt=timezone.now()).exists()
    # Asking for the limit in force while a raise waits cancels the raise, and is audited as such.
    put(api, free_user, stake_month="90")
    row = put(api, free_user, stake_month="80").json()["data"]["stake_month"]
    assert (row["amount"], row["pending"]) == (80.0, None)
    last = audit(AuditAction.LIMIT_CHANGED)[-1]
    assert last.before["pending"]["amount"] == "90.00" and last.after == {"amount": "80.00", "pending": None}


def test_asking_for_the_same_raise_again_keeps_its_time(api, free_user):
    put(api, free_user, stake_day="50")
    first = put(api, free_user, stake_day="100").json()["data"]["stake_day"]["pending"]
    again = put(api, free_user, stake_day="100.00").json()["data"]["stake_day"]["pending"]
    assert again == first and len(audit(AuditAction.LIMIT_CHANGED)) == 2
    put(api, free_user, loss_month="10")
    lift = put(api, free_user, loss_month=None).json()["data"]["loss_month"]["pending"]
    assert put(api, free_user, loss_month=None).json()["data"]["loss_month"]["pending"] == lift


def test_asking_for_the_limit_already_in_force_changes_nothing(api, free_user):
    put(api, free_user, stake_day="50")
    put(api, free_user, stake_day="50.00")
    assert BettingLimit.objects.count() == 1 and len(audit(AuditAction.LIMIT_CHANGED)) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"stake_day": "-5"}, "stake_day"),
        ({"stake_day": "0"}, "stake_day"),
        ({"stake_day": 0}, "stake_day"),
        ({"stake_day": "NaN"}, "stake_day"),
        ({"stake_day": "Infinity"}, "stake_day"),
        ({"stake_week": "1e30"}, "stake_week"),
        ({"stake_week": "1000000.01"}, "stake_week"),
        ({"loss_month": "10.001"}, "loss_month"),
        ({"loss_month": "abc"}, "loss_month"),
        ({"loss_month": True}, "loss_month"),
        ({"stake_year": "10"}, "stake_year"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_amounts_are_400s_naming_the_field(api, free_user, body, field):
    response = put(api, free_user, **body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_parameter"
    assert response.json()["message"].startswith(field) or field == "non_field_errors"
    assert not BettingLimit.objects.exists() and not AuditEntry.objects.exists()


def test_a_list_body_is_a_400(api, free_user):
    response = api.as_user(free_user).put(LIMITS, [1, 2], format="json")
    assert response.status_code == 400


def test_periods_are_the_calendar_s_in_paris():
    wednesday_late = timezone.make_aware(dt.datetime(2026, 3, 25, 23, 30))  # Paris; 22:30 UTC
    day = limit_period(kind="stake_day", now=wednesday_late)
    week = limit_period(kind="stake_week", now=wednesday_late)
    month = limit_period(kind="loss_month", now=wednesday_late)
    assert (timezone.localtime(day.start).date(), timezone.localtime(day.end).date()) == (
        dt.date(2026, 3, 25),
        dt.date(2026, 3, 26),
    )
    assert timezone.localtime(week.start).date() == dt.date(2026, 3, 23)  # Monday
    assert timezone.localtime(week.end).date() == dt.date(2026, 3, 30)
    assert timezone.localtime(month.start).date() == dt.date(2026, 3, 1)
    assert timezone.localtime(month.end).date() == dt.date(2026, 4, 1)
    assert timezone.localtime(month.end).hour == 0  # midnight in Paris, summer time by then
    assert month.end.astimezone(dt.UTC) - month.start.astimezone(dt.UTC) == dt.timedelta(days=31, hours=-1)


def test_stakes_count_over_their_period_and_refunds_do_not(api, free_user, tomorrow_race):
    put(api, free_user, stake_day="50", stake_week="70")
    old = bet(api, free_user, tomorrow_race, stake="40").json()["id"]
    refunded = bet(api, free_user, tomorrow_race, stake="10", saddle=2).json()["id"]
    UserBet.objects.filter(pk=refunded).update(status=UserBetStatus.REFUNDED, returned=Decimal("10"))
    day = limit_period(kind="stake_day")
    UserBet.objects.filter(pk=old).update(placed_at=day.start - dt.timedelta(seconds=1))  # yesterday
    data = limits(api, free_user)
    assert data["stake_day"]["used"] == 0
    week = limit_period(kind="stake_week")
    if day.start > week.start:  # yesterday was in this week: it counts there
        assert data["stake_week"]["used"] == 40.0
        assert bet(api, free_user, tomorrow_race, stake="31", saddle=3).status_code == 409
        assert (
            "stakes per week: 70.00 € a week. 40.00 € staked this week, 30.00 € left."
            in (bet(api, free_user, tomorrow_race, stake="31", saddle=3).json()["message"])
        )
    else:
        assert data["stake_week"]["used"] == 0
    assert bet(api, free_user, tomorrow_race, stake="30", saddle=3).status_code == 201


def _settled(user, race, stake, returned, status, at=None):
    return UserBet.objects.create(
        user=user,
        runner=race.runners.first(),
        bet_type="simple_gagnant",
        stake=Decimal(stake),
        odds=Decimal("3"),
        status=status,
        returned=Decimal(returned),
        settled_at=at or timezone.now(),
    )


def test_the_loss_limit_counts_the_month_s_net_loss_and_the_stakes_at_risk(api, free_user, tomorrow_race):
    put(api, free_user, loss_month="100")
    _settled(free_user, tomorrow_race, "50", "0", UserBetStatus.LOST)
    _settled(free_user, tomorrow_race, "20", "30", UserBetStatus.WON)  # +10: net loss 40
    last_month = limit_period(kind="loss_month").start - dt.timedelta(days=1)
    _settled(free_user, tomorrow_race, "500", "0", UserBetStatus.LOST, at=last_month)  # another month
    assert bet(api, free_user, tomorrow_race, stake="25").status_code == 201  # at risk: 40 + 25
    row = limits(api, free_user)["loss_month"]
    assert (row["used"], row["remaining"]) == (65.0, 35.0)
    response = bet(api, free_user, tomorrow_race, stake="36", saddle=2)
    assert response.status_code == 409
    assert (
        "net loss per month: 100.00 € a month. 65.00 € lost or at stake this month, 35.00 € left."
        in (response.json()["message"])
    )
    assert bet(api, free_user, tomorrow_race, stake="35", saddle=2).status_code == 201


def test_a_month_in_profit_does_not_widen_the_loss_limit(api, free_user, tomorrow_race):
    put(api, free_user, loss_month="20")
    _settled(free_user, tomorrow_race, "10", "200", UserBetStatus.WON)
    assert limits(api, free_user)["loss_month"]["used"] == 0
    assert bet(api, free_user, tomorrow_race, stake="21").status_code == 409


def test_limits_are_the_user_s_own(api, free_user, other_user, tomorrow_race):
    put(api, free_user, stake_day="5")
    assert bet(api, other_user, tomorrow_race, stake="50").status_code == 201
    assert limits(api, other_user)["stake_day"]["amount"] is None


def test_the_service_refuses_too(free_user, tomorrow_race):
    from turf.errors import LimitExceeded

    betting_limits_set(user=free_user, changes={"stake_day": Decimal("5")})
    with pytest.raises(LimitExceeded):
        user_bet_create(
            user=free_user,
            race_id=tomorrow_race.pk,
            saddle_number=1,
            bet_type="simple_gagnant",
            stake=Decimal("6"),
            odds=Decimal("3"),
        )
    assert not UserBet.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # after it, the next test gets the migrations' rows
def test_two_bets_at_once_cannot_both_slip_under_a_limit(django_user_model, monkeypatch):
    """PostgreSQL: the check and the insert run under the user's row lock, in concurrent transactions."""
    from wagering.services import bankroll

    check = bankroll.betting_limit_breach

    def slow_check(**kwargs):
        breach = check(**kwargs)
        time.sleep(0.3)  # every thread has read the limits before any has written: a race without the lock
        return breach

    monkeypatch.setattr(bankroll, "betting_limit_breach", slow_check)
    user = django_user_model.objects.create_user(email="racer@turf.test", password="x")
    race = race_with(
        final=None,
        morning=[2.0, 4.0, 5.0, 8.0],
        date=timezone.localdate() + dt.timedelta(days=1),
        status=RaceStatus.SCHEDULED,
    )
    betting_limits_set(user=user, changes={"stake_day": Decimal("50")})
    barrier, outcomes = threading.Barrier(4), []

    def place(saddle):
        try:
            barrier.wait()
            user_bet_create(
                user=user,
                race_id=race.pk,
                saddle_number=saddle,
                bet_type="simple_gagnant",
                stake=Decimal("30"),
                odds=Decimal("3"),
            )
            outcomes.append("stored")
        except Exception as exc:  # the refusal is the expected outcome of all but one
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(saddle,)) for saddle in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["LimitExceeded"] * 3 + ["stored"]
    assert UserBet.objects.filter(user=user).count() == 1
    assert len(audit(AuditAction.LIMIT_REFUSED)) == 3


def test_every_limit_s_use_is_read_in_one_query(free_user, tomorrow_race, django_assert_num_queries):
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("50"), "loss_month": Decimal("80")})
    user_bet_create(
        user=free_user,
        race_id=tomorrow_race.pk,
        saddle_number=1,
        bet_type="simple_gagnant",
        stake=Decimal("12.50"),
        odds=Decimal("3"),
    )
    with django_assert_num_queries(2):  # the limits' rows, then what the bets use of all four
        state = {row["kind"]: row for row in betting_limits_get(user=free_user)}
    assert state["stake_day"]["used"] == state["stake_month"]["used"] == Decimal("12.50")
    assert state["stake_day"]["remaining"] == Decimal("37.50")
    assert state["loss_month"]["used"] == Decimal("12.50")  # the stake at risk
