"""The pages' shared answers: a problem page (what the user asked wrongly) and a refusal page (what the API would
answer 403 or 429). Apart from ``views`` so that the account's page modules (``pages/``), which ``views``
imports, can answer the same way."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from billing.exceptions import PlanRequired, QuotaExceeded, RateLimited
from billing.models import Feature
from billing.selectors import plan_for_user
from turf.errors import RateLimitUnavailable, TooManyAttempts


def day_links(day: dt.date) -> dict:
    return {
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
    }


def problem(request, status: int, title: str, message: str):
    """A friendly page for what the user asked wrongly (a bad date, an unknown race): never a 500."""
    context = {"title": title, "message": message, **day_links(timezone.localdate())}
    return render(request, "dashboard/problem.html", context, status=status)


def refused(request, exc: PlanRequired | Throttled, *, attempts: bool = False):
    """What the API would answer 403 or 429, as a page: why, and the cheapest plan that opens it.

    ``attempts``: the log-in and sign-up forms' limit per address, whoever asks."""
    plan = plan_for_user(request.user) if request.user.is_authenticated else None
    wait = getattr(exc, "wait", None)
    context = {"message": str(exc.detail), "needed": getattr(exc, "needed", None), "plan": plan, "wait": None}
    if isinstance(exc, PlanRequired):
        context.update(title=_("Not in your plan"), feature=Feature(exc.feature).label)
    elif isinstance(exc, QuotaExceeded):
        context.update(title=_("Today's quota is used up"))  # the message says it resets at midnight
    elif isinstance(exc, RateLimitUnavailable):  # the limits against password guessing cannot be counted
        context.update(title=_("Log-in is unavailable for a moment"), wait=wait)
    elif isinstance(exc, TooManyAttempts):  # an account's abuse limit (sign-ups, failed log-ins): its own message
        context.update(title=_("Too many attempts"), wait=wait)
    elif attempts:
        rate = settings.API_RATE_AUTH
        context.update(
            title=_("Too many attempts"),
            wait=wait,
            message=_("Your address may try %(minute)s times a minute and %(day)s a day.") % rate,
        )
    elif isinstance(exc, RateLimited):  # the pages' own limit per person (TURF_PAGE_RATE): whose, and its reset
        limit = {"limit": exc.limit}
        context.update(
            title=_("Too many requests"),
            wait=wait,
            resets_at=exc.resets_at,
            message=(
                _("These pages allow %(limit)s views a minute per person, apart from the API's limits.")
                if exc.period == "minute"
                else _("These pages allow %(limit)s views a day per person, apart from the API's limits.")
            )
            % limit,
            whose=(
                _("You are on the %(plan)s plan.") % {"plan": plan.name}
                if plan is not None
                else _("Without logging in, the limit counts per address.")
            ),
        )
    else:
        context.update(title=_("Too many requests"), wait=wait)
    response = render(request, "dashboard/refused.html", context, status=exc.status_code)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response
