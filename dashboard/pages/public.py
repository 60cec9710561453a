"""The public pages: the day's programme at ``/`` and a race's public card, open without logging in.

They pass the plan gate as every page does (``billing.gate.gate_pass``: the pages' own request limits, then the
feature, then the query); a visitor sees the racing data only (runners, odds, arrival, rapports), never a
probability or a pick, and is told what each plan opens. A logged-in user's ``/races/<code>/`` is the full race card
(``dashboard.views.race``, its plan's feature gate).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from billing.exceptions import PlanRequired
from billing.gate import Page, gate_pass
from billing.models import Feature
from billing.selectors import plan_list
from courses.clock import CANCELLED, FINISHED, OFF, OFFICIAL, RUNNING, SCHEDULED, race_phase
from courses.models import Race, RunnerStatus
from courses.selectors import RaceAddressError, race_get, race_list
from predictions.selectors import race_runner_rows
from turf.api import error_message
from turf.params import DayParams, query_read
from wagering.services.rapports import race_rapports

from .. import views
from ..responses import day_links, problem, refused

# Where a race stands for a punter reading the programme: to come, off (running, no result yet), result, cancelled.
STATUS = {
    SCHEDULED: "to_come",
    OFF: "off",
    RUNNING: "off",
    FINISHED: "result",
    OFFICIAL: "result",
    CANCELLED: "cancelled",
}


def _gate(request, feature: str | None):
    """The plan gate of a public page: its query (the day) read, or the page that answers instead."""
    try:
        return gate_pass(request, Page(required_feature=feature), lambda: _day(request)), None
    except serializers.ValidationError as exc:
        message = _("%(error)s Pick a day with the calendar.") % {"error": error_message(exc.detail)}
        return None, problem(request, 400, _("That request could not be read"), message)
    except (PlanRequired, Throttled) as exc:  # Throttled: the pages' own limit (RateLimited)
        return None, refused(request, exc)


def _day(request):
    return query_read(DayParams, request.GET, blank_is_default=True)["date"]


def _plan_offers(plans, current) -> list[dict]:
    """Each plan on sale with what it opens (and that feature's daily quota, if any): beyond the plan below it when
    it opens all of that one's features, else all of its own."""
    labels, offers, below = dict(Feature.choices), [], None
    for plan in plans:
        inherits = below is not None and set(below.features or []) <= set(plan.features or [])
        opens = [code for code in Feature.values if plan.opens(code) and not (inherits and below.opens(code))]
        offers.append(
            {
                "plan": plan,
                "opens": [(labels[code], plan.quota(code)) for code in opens],
                "below": below if inherits else None,
                "yours": current is not None and plan.code == current.code,
            }
        )
        below = plan
    return offers


def programme(request):
    """The day's réunions and races, open to anyone; the race cards' probabilities behind the log-in."""
    signed_in = request.user.is_authenticated
    day, refusal = _gate(request, Feature.COURSES if signed_in else None)
    if refusal is not None:
        return refusal
    now = timezone.now()
    races = list(race_list(day=day))
    for race in races:
        race.state = STATUS[race_phase(race, now)]
    plan = getattr(request, "plan", None)  # left by the gate: the plan that opened the programme
    context = {
        "races": races,
        "synthetic": [race.code for race in races if race.is_synthetic or race.meeting.racecourse.is_synthetic],
        "offers": _plan_offers(list(plan_list()), plan),
        "plan": plan,
        **day_links(day),
    }
    return render(request, "dashboard/public/programme.html", context)


def race(request, code: str):
    """``/races/<code>/``: the full race card for a logged-in user (its plan's gate), the public card for anyone."""
    if request.user.is_authenticated:
        return views.race(request, code=code)
    day, refusal = _gate(request, None)
    if refusal is not None:
        return refusal
    try:
        found = race_get(day=day, code=code)
    except RaceAddressError as exc:
        return problem(request, 400, _("That race address could not be read"), str(exc))
    except Race.DoesNotExist as exc:
        return problem(request, 404, _("No such race"), str(exc))
    phase = race_phase(found)
    # Only the racing data: the rows' probability fields are None (no version asked), and none is passed on.
    runners = [
        {key: row[key] for key in ("saddle_number", "horse", "jockey", "trainer", "status", "position", "odds")}
        for row in race_runner_rows(race=found)
    ]
    for runner in runners:
        runner["non_partant"] = runner["status"] == RunnerStatus.NON_PARTANT
    result = None
    if phase in (FINISHED, OFFICIAL):
        placed = (r for r in runners if r["position"] is not None)
        arrival = sorted(placed, key=lambda r: (r["position"], r["saddle_number"]))
        result = {"official": phase == OFFICIAL, "arrival": arrival, "rapports": race_rapports(race_id=found.pk)}
    context = {
        "race": found,
        "state": STATUS[phase],
        "runners": runners,
        "non_partants": [r["saddle_number"] for r in runners if r["non_partant"]],
        "result": result,
        "offers": _plan_offers(list(plan_list()), None),
        **day_links(day),
    }
    return render(request, "dashboard/public/race.html", context)


urlpatterns = [
    path("", programme, name="programme"),
    # The old name of ``/``, which templates still reverse (the programme replaced the logged-in home).
    path("", programme, name="home"),
    path("races/<str:code>/", race, name="race"),
]
