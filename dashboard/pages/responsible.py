"""Responsible gambling: betting limits, self-exclusion: the pages.

The /account/ section shows the limits in force, the changes waiting for their delay, this period's use, a form
per limit; the self-exclusion (its end, or a form with the periods and a confirmation step); and the history of
limit changes, refused bets and exclusions, read from the audit trail. The forms call the API's services and
pass the same plan gate as the API (the limits, the bankroll tracker's feature)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from accounts.services.self_exclusion import (
    PERIODS,
    self_exclusion_active,
    self_exclusion_current,
    self_exclusion_end,
    self_exclusion_history,
    self_exclusion_start,
    when,
)
from billing.models import Feature
from turf.api import error_message
from turf.audit import audit_entries_for, request_address
from turf.models import AuditAction
from wagering.models import LimitKind
from wagering.services.limits import MAX_LIMIT, betting_limits_get, betting_limits_set, euros

from ..responses import gated

NOTICE = "responsible_notice"  # the session key of the last form's outcome, shown once in the section
HISTORY_ACTIONS = (AuditAction.LIMIT_CHANGED, AuditAction.LIMIT_REFUSED, AuditAction.SELF_EXCLUDED)
HISTORY_ROWS = 50
PERIOD_DAYS = dict(PERIODS)


def _done(request, message: str, *, error: bool = False):
    request.session[NOTICE] = {"message": message, "error": error}
    return redirect("/account/#responsible")


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", ".").replace("€", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount in euros.") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_LIMIT or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"a limit is more than 0 and at most {euros(MAX_LIMIT)}, in euros and cents.")
    return amount


@gated(Feature.BANKROLL)
@require_POST
def limits(request):
    """Set or lower a limit (at once), raise or remove it (after the delay)."""
    kind = request.POST.get("kind", "")
    if kind not in LimitKind.values:
        return _done(request, gettext("Choose one of the limits."), error=True)
    label = LimitKind(kind).label
    if "remove" in request.POST:
        amount = None
    else:
        try:
            amount = _amount(request.POST.get("amount", ""))
        except ValueError as exc:
            return _done(request, f"{label}: {exc}", error=True)
    state = betting_limits_set(user=request.user, changes={kind: amount}, address=request_address(request))
    row = next(row for row in state if row["kind"] == kind)
    if row["pending"] is not None:
        what = "removed" if amount is None else f"raised to {euros(amount)}"
        message = f"{label}: {what} from {when(row['pending']['effective_at'])}; until then {euros(row['amount'])}."
    elif row["amount"] is None:
        message = f"{label}: no limit."
    else:
        message = f"{label}: {euros(row['amount'])}, in force now."
    return _done(request, message)


@gated(None)
@require_POST
def self_exclusion(request):
    """Step 1, the period chosen: the confirmation page with the end date. Step 2, confirmed: the exclusion."""
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = None
    if days not in PERIOD_DAYS:
        return _done(request, gettext("Choose how long to exclude yourself."), error=True)
    if request.POST.get("confirm") != "yes":
        context = {
            "days": days,
            "period": PERIOD_DAYS[days],
            "ends_at": when(self_exclusion_end(days=days, now=timezone.now())),
            "active": self_exclusion_active(user=request.user),
        }
        return render(request, "dashboard/self_exclusion_confirm.html", context)
    try:
        exclusion = self_exclusion_start(user=request.user, days=days, address=request_address(request))
    except APIException as exc:  # the Conflict of a shorter period than the one in force
        return _done(request, error_message(exc.detail), error=True)
    message = gettext("You are excluded from picks, value bets and alerts until %(until)s.")
    return _done(request, message % {"until": when(exclusion.ends_at)})


urlpatterns = [
    path("account/limits/", limits, name="responsible-limits"),
    path("account/self-exclusion/", self_exclusion, name="responsible-exclude"),
]


def _money(value: str | None) -> str:
    return "no limit" if value is None else euros(Decimal(value))


def _moment(value: str) -> str:
    return when(dt.datetime.fromisoformat(value))


def _described(entry) -> str:
    """One line of the history, from an audit entry's before and after."""
    before, after = entry.before or {}, entry.after or {}
    if entry.action == AuditAction.SELF_EXCLUDED:
        extended = f" (extended from {_moment(before['ends_at'])})" if before.get("ends_at") else ""
        return f"Excluded until {_moment(after['ends_at'])}{extended}"
    kind = entry.target.removeprefix("betting_limit:")
    label = LimitKind(kind).label if kind in LimitKind.values else kind
    if entry.action == AuditAction.LIMIT_REFUSED:
        stake = after.get("refused_bet", {}).get("stake")
        return (
            f"Bet of {_money(stake)} refused by {label.lower()}: {_money(before.get('limit'))}, "
            f"{_money(before.get('remaining'))} left"
        )
    pending = after.get("pending")
    if pending is not None:
        return (
            f"{label}: {_money(before.get('amount'))} → {_money(pending['amount'])} "
            f"from {_moment(pending['effective_at'])}"
        )
    if before.get("amount") == after.get("amount") and before.get("pending"):
        return f"{label}: the change to {_money(before['pending']['amount'])} cancelled"
    return f"{label}: {_money(before.get('amount'))} → {_money(after.get('amount'))}, at once"


def account_context(request) -> dict:
    """What this section of /account/ shows."""
    user = request.user
    history = [
        {"at": entry.at, "action": entry.get_action_display(), "what": _described(entry)}
        for entry in audit_entries_for(user, actions=HISTORY_ACTIONS, limit=HISTORY_ROWS)
    ]
    return {
        "rg_limits": betting_limits_get(user=user),
        "rg_exclusion": self_exclusion_current(user=user),
        "rg_exclusions": self_exclusion_history(user=user),
        "rg_periods": PERIODS,
        "rg_raise_delay_hours": settings.RG_LIMIT_RAISE_DELAY_HOURS,
        "rg_history": history,
        "rg_notice": request.session.pop(NOTICE, None),
    }
