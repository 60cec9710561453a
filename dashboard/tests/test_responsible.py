"""The responsible-gambling section of /account/: limits, self-exclusion with its confirmation step, the history;
the ANJ notice in every page's footer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import SelfExclusion
from accounts.services.self_exclusion import when
from billing.models import Plan
from courses.models import RaceStatus
from predictions.tests.factories import race_with
from turf.models import AuditAction, AuditEntry
from wagering.models import BettingLimit
from wagering.services.bankroll import user_bet_create
from wagering.services.limits import betting_limits_set

pytestmark = pytest.mark.django_db
ANJ = (
    "Les jeux d'argent et de hasard peuvent être dangereux : pertes d'argent, conflits familiaux, addiction… "
    "Retrouvez nos conseils sur joueurs-info-service.fr"
)
HELPLINE = "Joueurs Info Service, 09 74 75 13 13 (appel non surtaxé)"


def text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def account(client) -> str:
    response = client.get("/account/")
    assert response.status_code == 200
    return text(response)


@pytest.mark.parametrize("page", ["/login/", "/signup/", "/account/", "/?date=2025-11-05"])
def test_every_page_carries_the_anj_notice_and_the_helpline(client, free_user, page):
    if page != "/login/" and page != "/signup/":
        client.force_login(free_user)
    shown = text(client.get(page))
    assert ANJ in shown and HELPLINE in shown and "Interdit aux mineurs" in shown


def test_the_section_shows_limits_use_and_the_waiting_raise(client, free_user):
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("50"), "loss_month": Decimal("200")})
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("80")})
    client.force_login(free_user)
    shown = account(client)
    assert "Stakes per day €50.00 €80.00 from" in shown
    assert "Net loss per month €200.00 — €0.00 €200.00" in shown
    assert "Stakes per week none — €0.00 —" in shown
    assert "Stakes per day: 50.00 € → 80.00 € from" in shown  # the history
    assert "No limit set" not in shown


def test_a_limit_set_in_the_form_takes_effect_at_once(client, free_user):
    client.force_login(free_user)
    response = client.post("/account/limits/", {"kind": "stake_week", "amount": "30,50"})
    assert response.status_code == 302 and response["Location"] == "/account/#responsible"
    assert BettingLimit.objects.get(user=free_user).amount == Decimal("30.50")
    shown = account(client)
    assert "Stakes per week: 30.50 €, in force now." in shown
    assert "Stakes per week: no limit → 30.50 €, at once" in shown
    assert "in force now" not in account(client)  # the notice is shown once


def test_raising_and_removing_in_the_form_wait_the_delay(client, free_user):
    client.force_login(free_user)
    client.post("/account/limits/", {"kind": "stake_day", "amount": "10"})
    client.post("/account/limits/", {"kind": "stake_day", "amount": "20"})
    assert "Stakes per day: raised to 20.00 € from" in account(client)
    client.post("/account/limits/", {"kind": "stake_day", "remove": "1"})
    shown = account(client)
    assert "Stakes per day: removed from" in shown and "until then 10.00 €" in shown
    assert "Stakes per day €10.00 removed from" in shown


@pytest.mark.parametrize("amount", ["", "abc", "0", "-3", "NaN", "1e9", "10.001"])
def test_a_bad_amount_in_the_form_says_so_and_changes_nothing(client, free_user, amount):
    client.force_login(free_user)
    client.post("/account/limits/", {"kind": "stake_day", "amount": amount})
    assert "Stakes per day:" in account(client)
    assert not BettingLimit.objects.exists() and not AuditEntry.objects.exists()


def test_a_refused_bet_is_in_the_history(client, free_user):
    race = race_with(
        final=None, morning=[2.0, 3.0], date=timezone.localdate() + dt.timedelta(days=1), status=RaceStatus.SCHEDULED
    )
    betting_limits_set(user=free_user, changes={"stake_day": Decimal("5")})
    with pytest.raises(Exception, match="would pass your limit"):
        user_bet_create(
            user=free_user,
            race_id=race.pk,
            saddle_number=1,
            bet_type="simple_gagnant",
            stake=Decimal("8"),
            odds=Decimal("3"),
        )
    client.force_login(free_user)
    assert "Bet of 8.00 € refused by stakes per day: 5.00 €, 5.00 € left" in account(client)


def test_self_exclusion_asks_for_confirmation_then_excludes(client, premium_user):
    client.force_login(premium_user)
    confirm = client.post("/account/self-exclusion/", {"days": "7"})
    assert confirm.status_code == 200
    shown = text(confirm)
    assert "Confirm your self-exclusion" in shown and "It cannot be lifted early" in shown
    assert not SelfExclusion.objects.exists()  # nothing until confirmed
    done = client.post("/account/self-exclusion/", {"days": "7", "confirm": "yes"})
    assert done.status_code == 302
    exclusion = SelfExclusion.objects.get(user=premium_user)
    assert dt.timedelta(days=7) - dt.timedelta(minutes=1) < exclusion.ends_at - timezone.now() <= dt.timedelta(days=7)
    shown = account(client)
    assert f"You are excluded from picks, value bets and alerts until {when(exclusion.ends_at)}." in shown
    assert "Extend it: exclude me, from now, for" in shown and "Excluded until" in shown
    assert AuditEntry.objects.filter(action=AuditAction.SELF_EXCLUDED, subject_id=premium_user.pk).count() == 1
    assert client.get("/value-bets/", {"date": "2025-11-05"}).status_code == 403


def test_a_shorter_exclusion_in_the_form_is_refused(client, free_user):
    client.force_login(free_user)
    client.post("/account/self-exclusion/", {"days": "30", "confirm": "yes"})
    client.post("/account/self-exclusion/", {"days": "1", "confirm": "yes"})
    assert "cannot be lifted or shortened" in account(client)
    assert SelfExclusion.objects.count() == 1


@pytest.mark.parametrize("days", ["", "2", "400", "x"])
def test_only_the_offered_periods_are_taken(client, free_user, days):
    client.force_login(free_user)
    client.post("/account/self-exclusion/", {"days": days, "confirm": "yes"})
    assert "Choose how long to exclude yourself." in account(client)
    assert not SelfExclusion.objects.exists()


@pytest.mark.parametrize("url", ["/account/limits/", "/account/self-exclusion/"])
def test_the_forms_answer_posts_only_and_count_as_requests(client, free_user, url, settings):
    client.force_login(free_user)
    assert client.get(url).status_code == 405
    settings.TURF_PAGE_RATE = {"minute": 1, "day": 10}  # the pages' own limit
    client.post(url, {})
    response = client.post(url, {"kind": "stake_day", "amount": "5", "days": "1", "confirm": "yes"})
    assert response.status_code == 429
    assert not BettingLimit.objects.exists() and not SelfExclusion.objects.exists()


def test_visitors_are_sent_to_log_in(client):
    response = client.post("/account/limits/", {"kind": "stake_day", "amount": "5"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_limits_form_needs_the_bankroll_tracker_in_the_plan(client, free_user):
    free = Plan.objects.get(code="free")
    free.features = [code for code in free.features if code != "bankroll"]
    free.save()
    client.force_login(free_user)
    response = client.post("/account/limits/", {"kind": "stake_day", "amount": "5"})
    assert response.status_code == 403
    assert "Bankroll tracker" in text(response) and "Upgrade to Premium" in text(response)
    assert not BettingLimit.objects.exists()
