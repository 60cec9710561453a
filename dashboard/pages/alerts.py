"""The alerts as pages: the in-app list (all or unread), marking one or all read, and how one hears of each event
type (the preferences form). Every request passes the API's plan gate with the alerts' feature; the forms call
the API's own services (``alerts.services.alerts``), so a page refuses exactly what ``/api/v1/alerts`` refuses
(the webhook channel without a plan that opens webhooks)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException, NotFound

from alerts.models import Channel, EventType
from alerts.selectors.alerts import alert_list, alert_preference_list, alert_unread_badge
from alerts.serializers.alerts import AlertListParams, PreferencesInSerializer
from alerts.services.alerts import alert_preferences_set, alert_read, alerts_read_all
from billing.models import Feature
from turf.api import error_message

from ..responses import gated

NOTICE = "alerts_notice"  # the session key of the last form's outcome, shown once on the alerts page


@gated(Feature.ALERTS, AlertListParams)
def alerts(request, params):
    """The user's alerts, newest first (``?unread=true``: those not read), and the preferences form."""
    rows = alert_list(user=request.user, unread=params["unread"])
    total = rows.count()
    offset, limit = params["offset"], params["limit"]
    context = {
        "alerts": list(rows[offset : offset + limit]),
        "total": total,
        "params": params,
        "next_offset": offset + limit if offset + limit < total else None,
        "previous_offset": max(0, offset - limit) if offset else None,
        "preferences": alert_preference_list(user=request.user),
        "channels": Channel.choices,
        "odds_moved": EventType.ODDS_MOVED.value,
        "notice": request.session.pop(NOTICE, None),
    }
    return render(request, "dashboard/alerts.html", context)


@gated(Feature.ALERTS)
@require_POST
def alert_mark_read(request, alert_id: int):
    """Mark one of one's alerts read; another user's is a 404."""
    try:
        alert_read(user=request.user, alert_id=alert_id)
    except NotFound:
        raise Http404(_("No such alert.")) from None
    return redirect(reverse("dashboard:alerts"))


@gated(Feature.ALERTS)
@require_POST
def alerts_mark_read(request):
    """Mark every alert read."""
    read = alerts_read_all(user=request.user)
    request.session[NOTICE] = {"message": _("Alerts marked read: %(count)s.") % {"count": read}, "error": False}
    return redirect(reverse("dashboard:alerts"))


@gated(Feature.ALERTS)
@require_POST
def preferences(request):
    """The preferences form: per event type, the channels ticked and (odds moves) the threshold; the API's body."""
    items = []
    for event_type in EventType.values:
        item = {"event_type": event_type, "channels": request.POST.getlist(f"{event_type}-channels")}
        if event_type == EventType.ODDS_MOVED:
            percent = request.POST.get(f"{event_type}-percent", "").strip().replace(",", ".")
            item["odds_move_percent"] = percent or None
        items.append(item)
    data = PreferencesInSerializer(data={"preferences": items})
    try:
        data.is_valid(raise_exception=True)
        alert_preferences_set(user=request.user, preferences=data.validated_data["preferences"])
    except APIException as exc:  # a bad threshold, the webhook without the plan: the API's own message
        request.session[NOTICE] = {"message": error_message(exc.detail), "error": True}
    else:
        request.session[NOTICE] = {"message": _("Your alert preferences are saved."), "error": False}
    return redirect(reverse("dashboard:alerts") + "#preferences")


urlpatterns = [
    path("alerts/", alerts, name="alerts"),
    path("alerts/read/", alerts_mark_read, name="alerts-read"),
    path("alerts/preferences/", preferences, name="alert-preferences"),
    path("alerts/<int:alert_id>/read/", alert_mark_read, name="alert-read"),
]


def unread_alerts(request) -> dict:
    """The nav's badge (a context processor): the unread count, read only when a page shows it, from the shared
    cache (``alert_unread_badge``: a query only when it is not there)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"alerts_unread": lambda: alert_unread_badge(user_id=user.pk)}
