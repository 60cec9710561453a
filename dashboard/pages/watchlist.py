"""What a subscriber follows: the watchlist page (its entries, a search with follow buttons), a horse's and a person's
page (their form), the stars that follow and unfollow (POST forms), and the race card's part of them. Over the
API's selectors and services and its plan gate: the watchlist's pages ask for ``watchlist``, the form pages for
``courses`` (as ``GET search``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import serializers

from alerts.models import FollowKind, WatchlistEntry
from alerts.selectors.watchlist import watchlist_followed, watchlist_list, watchlist_rows
from alerts.services.watchlist import watchlist_entry_create, watchlist_target_delete
from billing.exceptions import PlanRequired
from billing.models import Feature
from courses.models import Horse, Jockey, Runner, Trainer
from courses.search import KINDS, search
from courses.selectors import FORM_KINDS, form_get
from courses.serializers import SearchParams
from turf.api import error_message
from turf.params import query_read
from turf.serializers import MAX_ID

from ..responses import gated, problem

SEARCH_SHOWN = 30  # results the watchlist page lists


def _next(request, fallback: str) -> str:
    """Where a star sends the user back: the page it was on (this site's only), else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _star_target(request) -> tuple[str, int] | None:
    """The (kind, id) a star's form posts; None when it is not one."""
    kind, target_id = request.POST.get("type", ""), request.POST.get("id", "")
    if kind not in FollowKind.values or not (target_id.isascii() and target_id.isdigit()) or len(target_id) > 18:
        return None
    return kind, int(target_id)


@gated(Feature.WATCHLIST)
def watchlist_page(request):
    """The entries, and the search box's results (``?q=``) each with its star."""
    entries = watchlist_rows(watchlist_list(user=request.user))
    context: dict = {"entries": entries, "q": "", "results": None, "kinds": KINDS}
    if request.GET.get("q", "").strip():
        try:
            params = query_read(SearchParams, request.GET)
        except serializers.ValidationError as exc:
            context["search_error"] = error_message(exc.detail)
        else:
            context["q"] = params["q"]
            results = search(q=params["q"], day=timezone.localdate())[:SEARCH_SHOWN]
            followed = {(entry["type"], entry["target"]["id"]) for entry in entries}
            for item in results:
                item["followed"] = (item["type"], item["id"]) in followed
            context["results"] = results
    context["plan"] = request.plan
    return render(request, "dashboard/watchlist/watchlist.html", context)


@require_POST
@gated(Feature.WATCHLIST)
def follow_page(request):
    target = _star_target(request)
    if target is None:
        return problem(request, 400, _("That request could not be read"), _("Nothing to follow was named."))
    try:
        watchlist_entry_create(user=request.user, kind=target[0], target_id=target[1])
    except serializers.ValidationError as exc:  # no such horse, person, racecourse or race
        return problem(request, 400, _("Nothing to follow"), error_message(exc.detail))
    except PlanRequired as exc:  # the watchlist is full: the plan that keeps more
        return _full(request, exc)
    return redirect(_next(request, reverse("dashboard:watchlist")))


def _full(request, exc: PlanRequired):
    """A full watchlist: the plan's limit, and the plan that keeps more (the API's 403, as a page)."""
    plan = exc.current
    message = _("Your %(plan)s plan keeps at most %(limit)s watchlist entries: unfollow one first.") % {
        "plan": plan.name if plan else "—",
        "limit": plan.watchlist_limit if plan else 0,
    }
    if exc.needed is not None:
        message += " " + _("The %(plan)s plan keeps %(limit)s.") % {
            "plan": exc.needed.name,
            "limit": exc.needed.watchlist_limit,
        }
    context = {"title": _("Your watchlist is full"), "message": message, "needed": exc.needed, "plan": plan}
    return render(request, "dashboard/refused.html", context, status=exc.status_code)


@require_POST
@gated(Feature.WATCHLIST)
def unfollow_page(request):
    target = _star_target(request)
    if target is None:
        return problem(request, 400, _("That request could not be read"), _("Nothing to unfollow was named."))
    watchlist_target_delete(user=request.user, kind=target[0], target_id=target[1])
    return redirect(_next(request, reverse("dashboard:watchlist")))


def _form_page(request, kind: str, target_id: int):
    try:
        if target_id > MAX_ID:  # no row has it (and the database would refuse the number)
            raise FORM_KINDS[kind].DoesNotExist(f"No {kind} {target_id}.")
        form = form_get(kind=kind, target_id=target_id)
    except (Horse.DoesNotExist, Jockey.DoesNotExist, Trainer.DoesNotExist) as exc:
        return problem(request, 404, _("Not found"), str(exc))
    followed = watchlist_followed(user=request.user, kind=kind, target_ids=[target_id])
    context = {**form, "followed": target_id in followed, "watchlist_open": request.plan.opens(Feature.WATCHLIST)}
    return render(request, "dashboard/watchlist/form.html", context)


@gated(Feature.COURSES)
def horse_page(request, horse_id: int):
    return _form_page(request, "horse", horse_id)


@gated(Feature.COURSES)
def person_page(request, kind: str, person_id: int):
    if kind not in ("jockey", "trainer"):
        return problem(request, 404, _("Not found"), _("People are jockeys (or drivers) and trainers."))
    return _form_page(request, kind, person_id)


def watchlist_card_context(request, card: dict) -> dict:
    """The race card's stars and links: each row gets its horse's, jockey's and trainer's ids and whether the user
    follows the horse, and the card whether the user follows the race (one query)."""
    user = request.user
    follows = WatchlistEntry.objects.filter(user=user)
    runners = (
        Runner.objects.filter(race=card["race"])
        .annotate(
            horse_followed=Exists(follows.filter(kind=FollowKind.HORSE, horse=OuterRef("horse_id"))),
            race_followed=Exists(follows.filter(kind=FollowKind.RACE, race=OuterRef("race_id"))),
        )
        .values("pk", "horse_id", "jockey_id", "trainer_id", "horse_followed", "race_followed")
    )
    by_runner = {row.pop("pk"): row for row in runners}
    race_followed = any(row["race_followed"] for row in by_runner.values())
    for row in card["rows"]:
        row.update(by_runner.get(row["runner_id"], {}))
    open_ = request.plan.opens(Feature.WATCHLIST) if getattr(request, "plan", None) is not None else False
    return {"race_followed": race_followed, "watchlist_open": open_}


urlpatterns = [
    path("watchlist/", watchlist_page, name="watchlist"),
    path("watchlist/follow/", follow_page, name="watchlist-follow"),
    path("watchlist/unfollow/", unfollow_page, name="watchlist-unfollow"),
    path("horses/<int:horse_id>/", horse_page, name="horse"),
    path("people/<str:kind>/<int:person_id>/", person_page, name="person"),
]
