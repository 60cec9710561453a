"""My bets (the bankroll tracker) as pages, and the race card's side of it: a bet recorded from the card in one
POST, the list with its settlement, withdrawing a bet before the off, P/L, ROI and the equity curve beside the
betting limits.

Every request passes the API's plan gate with the bankroll tracker's feature (``billing.gate.gate_pass``); the
forms call the API's own services (``wagering.services.bankroll``: the off rule, the limits' check and their
messages), so a page refuses exactly what ``/api/v1/bets`` refuses."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException, NotFound

from billing.models import Feature
from courses.clock import SCHEDULED, race_phase
from courses.feeds.odds import odds_movement
from courses.models import Runner
from turf.api import error_message
from turf.audit import request_address
from wagering.models import UserBet, UserBetStatus, UserBetType
from wagering.serializers.bankroll import BetListParams, UserBetCreateSerializer
from wagering.services.bankroll import user_bet_create, user_bet_delete, user_bets_summary
from wagering.services.limits import betting_limits_get

from ..responses import gated
from ..responses import problem as _problem

NOTICE = "bets_notice"  # the session key of the last bet form's outcome, shown once on the page it returns to
DEFAULT_STAKE = Decimal("2.00")  # the stake a race card's bet form is prefilled with
BET_FIELDS = ("race_id", "saddle_number", "bet_type", "stake", "odds")


def _back(request, fallback: str) -> str:
    """Where a form returns: its ``next`` when it is one of our pages, else ``fallback``."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _notice(request, message: str, *, error: bool = False, runner_id: int | None = None) -> None:
    request.session[NOTICE] = {"message": message, "error": error, "runner_id": runner_id}


def _runner_of(race_id, saddle) -> int | None:
    """The runner a refused form was for, so its message shows next to that form (None when it has none)."""
    try:
        return Runner.objects.filter(race_id=int(race_id), saddle_number=int(saddle)).values_list("pk", flat=True)[0]
    except (TypeError, ValueError, IndexError):
        return None


def _record(request):
    """A bet from a race card's form: the API's body, its service; back to the card with the outcome."""
    body = {name: request.POST.get(name, "").strip().replace(",", ".") for name in BET_FIELDS}
    for name in ("race_id", "saddle_number"):  # a form's text; the API's body has them as JSON integers
        if body[name].isascii() and body[name].isdigit():
            body[name] = int(body[name])
    back = _back(request, reverse("dashboard:bets"))
    data = UserBetCreateSerializer(data=body)
    try:
        data.is_valid(raise_exception=True)
        bet = user_bet_create(user=request.user, address=request_address(request), **data.validated_data)
    except APIException as exc:  # the body's 400, the race gone off, LimitExceeded: the service's own message
        runner_id = _runner_of(body["race_id"], body["saddle_number"])
        _notice(request, error_message(exc.detail), error=True, runner_id=runner_id)
        return redirect(f"{back}#runner-{runner_id}" if runner_id else back)
    message = _("Recorded: %(type)s on n°%(saddle)s, %(stake)s € at %(odds)s.") % {
        "type": UserBetType(bet.bet_type).label,
        "saddle": bet.runner.saddle_number,
        "stake": bet.stake,
        "odds": bet.odds,
    }
    _notice(request, message, runner_id=bet.runner_id)
    return redirect(f"{back}#runner-{bet.runner_id}")


@gated(Feature.BANKROLL, BetListParams)
def bets(request, params):
    """GET: the user's bets, their P/L, ROI, equity curve and betting limits. POST: record a bet."""
    if request.method == "POST":
        return _record(request)
    if request.method != "GET":
        return _problem(request, 405, _("Not allowed"), _("This page is read with GET and records a bet with POST."))
    user, now = request.user, timezone.now()
    rows = UserBet.objects.filter(user=user).select_related("runner__race__meeting__racecourse", "runner__horse")
    if params.get("status"):
        rows = rows.filter(status=params["status"])
    total = rows.count()
    shown = list(rows[params["offset"] : params["offset"] + params["limit"]])
    for bet in shown:
        bet.withdrawable = bet.status == UserBetStatus.OPEN and race_phase(bet.runner.race, now) == SCHEDULED
    summary = user_bets_summary(user=user, with_equity=True)
    equity = [{"x": point["settled_at"].isoformat(), "y": float(point["profit"])} for point in summary["equity"]]
    context = {
        "bets": shown,
        "total": total,
        "params": params,
        "next_offset": params["offset"] + params["limit"] if params["offset"] + params["limit"] < total else None,
        "previous_offset": max(0, params["offset"] - params["limit"]) if params["offset"] else None,
        "statuses": UserBetStatus.choices,
        "summary": summary,
        "equity": equity,
        "limits": betting_limits_get(user=user, now=now),
        "notice": request.session.pop(NOTICE, None),
        "synthetic": any(bet.runner.race.is_synthetic for bet in shown),
    }
    return render(request, "dashboard/card/bets.html", context)


@gated(Feature.BANKROLL)
@require_POST
def bet_delete(request, bet_id: int):
    """Withdraw one's own bet before the off (the API's service and its rule); another user's bet is a 404."""
    try:
        user_bet_delete(user=request.user, bet_id=bet_id)
    except NotFound:
        raise Http404(_("No such bet.")) from None
    except APIException as exc:  # the Conflict of a race gone off
        _notice(request, error_message(exc.detail), error=True)
    else:
        _notice(request, _("Bet withdrawn."))
    return redirect(_back(request, reverse("dashboard:bets")))


urlpatterns = [
    path("bets/", bets, name="bets"),
    path("bets/<int:bet_id>/delete/", bet_delete, name="bet-delete"),
]


def race_card_context(request, card: dict) -> dict:
    """The race card's part of the tracker and its charts: the runners in the order asked (the model's chance by
    default, ``?order=saddle``), the odds movement per runner, the chart's data, the bet forms when the race is
    still to come and the plan opens the tracker, and the last bet form's outcome."""
    rows = card["rows"]
    order = "saddle" if request.GET.get("order") == "saddle" else "chance"
    if order == "chance":  # the model's chance, strongest first; unscored runners (non-partants) after, by saddle
        rows = sorted(
            rows,
            key=lambda r: (r["win_probability"] is None, -(r["win_probability"] or 0), r["saddle_number"]),
        )
    movement = odds_movement(race_id=card["race"].pk)
    for row in rows:
        points = movement.get(row["runner_id"], [])
        row["odds_first"] = points[0][1] if points else None
        row["odds_last"] = points[-1][1] if points else None
        row["odds_points"] = len(points)
    plan = getattr(request, "plan", None)
    notice = request.session.pop(NOTICE, None)
    return {
        "rows": rows,
        "order": order,
        "odds_movement": {
            str(runner_id): [{"x": at.isoformat(), "y": float(odds)} for at, odds in points]
            for runner_id, points in movement.items()
        },
        "probabilities": [
            {
                "saddle": row["saddle_number"],
                "horse": row["horse"],
                "win": row["win_probability"],
                "place": row["place_probability"],
                "market": row["market_probability"],
            }
            for row in rows
            if row["win_probability"] is not None
        ],
        "betting": card["phase"] == SCHEDULED and plan is not None and plan.opens(Feature.BANKROLL),
        "bet_types": UserBetType.choices,
        "default_stake": DEFAULT_STAKE,
        "bet_notice": notice,
    }
