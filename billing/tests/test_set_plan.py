import pytest
from django.core.management import CommandError, call_command

from billing.selectors import plan_for_user

pytestmark = pytest.mark.django_db


def test_set_plan_moves_a_user_to_another_plan(free_user, capsys):
    call_command("set_plan", "ALICE@turf.test", "pro")
    free_user.refresh_from_db()
    assert plan_for_user(free_user).code == "pro"
    assert "Pro plan" in capsys.readouterr().out


@pytest.mark.parametrize(
    "email, plan, message", [("ghost@turf.test", "pro", "no account"), ("alice@turf.test", "gold", "no plan 'gold'")]
)
def test_set_plan_refuses_unknown_users_and_plans(free_user, email, plan, message):
    with pytest.raises(CommandError, match=message):
        call_command("set_plan", email, plan)
    free_user.refresh_from_db()
    assert plan_for_user(free_user).code == "free"


def test_new_accounts_start_on_the_free_plan(django_user_model):
    assert plan_for_user(django_user_model.objects.create_user(email="x@turf.test", password="pw")).code == "free"
