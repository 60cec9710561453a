"""Writes for plans."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Plan


class PlanChangeError(ValueError):
    pass


def user_plan_set(*, email: str, plan_code: str):
    """Put the account with ``email`` on the plan ``plan_code``; PlanChangeError names what is unknown."""
    User = get_user_model()
    try:
        user = User.objects.get(email__iexact=email.strip())
    except User.DoesNotExist:
        raise PlanChangeError(f"no account with the e-mail address {email!r}") from None
    try:
        plan = Plan.objects.get(code=plan_code.strip().lower())
    except Plan.DoesNotExist:
        codes = ", ".join(Plan.objects.order_by("rank").values_list("code", flat=True))
        raise PlanChangeError(f"no plan {plan_code!r} (plans: {codes})") from None
    user.plan = plan
    user.save(update_fields=["plan"])
    return user
