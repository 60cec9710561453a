"""The pages' shared answers: a problem page (what the user asked wrongly), a refusal page (what the API would
answer 403 or 429), and ``gated``, the one way a page passes the API's plan gate. Apart from ``views`` so that
the account's page modules (``pages/``), which ``views`` imports, can answer the same way."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from billing.exceptions import PlanRequired, QuotaExceeded, RateLimited
from billing.gate import Page, gate_pass
from billing.models import Feature
from billing.selectors import plan_for_user
from turf.api import error_message
from turf.errors import RateLimitUnavailable, SelfExcluded, TooManyAttempts
from turf.params import query_read


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


def gated(feature: str | None, params: type[serializers.Serializer] | None = None, *, hint: str = ""):
    """A page behind the API's own plan gate (``billing.gate.gate_pass``), as an API call to ``feature`` passes it:
    logged in, counted against the pages' own limits, the plan asked whether it opens ``feature`` (None: any
    plan), the query string read with the API endpoint's own parameter class ``params`` (a 400 page naming what is
    wrong, ``hint`` added), then the daily quota counted. A refusal is the page that names the plan to buy
    (403) or when the limit resets (429); a self-exclusion is its own page, with no upgrade.

    The view gets ``(request, query, ...)`` with ``params``, else ``(request, ...)``; ``request.plan`` is the plan
    that opened the feature."""
    gate = Page(required_feature=feature)

    def wrap(view):
        @wraps(view)
        @login_required
        def page(request, *args, **kwargs):
            def read():  # the query string's, whatever the method (a form's POST carries the list's query on)
                return query_read(params, request.GET, blank_is_default=True)

            try:
                query = gate_pass(request, gate, read if params else dict)
            except serializers.ValidationError as exc:
                message = f"{error_message(exc.detail)} {hint}".strip()
                return problem(request, 400, _("That request could not be read"), message)
            except (PlanRequired, Throttled) as exc:
                return refused(request, exc)
            except SelfExcluded as exc:  # the user's own exclusion: its end date and the helpline, no upgrade
                context = {"title": _("You excluded yourself"), "message": str(exc.detail), "excluded": True}
                return render(request, "dashboard/refused.html", context, status=exc.status_code)
            if params:
                return view(request, query, *args, **kwargs)
            return view(request, *args, **kwargs)

        return page

    return wrap
