"""Webhooks (pro): list, register (the secret shown once), delete, send a test event, and an endpoint's deliveries:
the pages, over the API's services and selectors and its plan gate."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import APIException

from alerts.models import EventType
from alerts.selectors.webhooks import webhook_delivery_list, webhook_get, webhook_list
from alerts.services.webhooks import webhook_create, webhook_delete, webhook_test_send
from billing.exceptions import PlanRequired
from billing.models import Feature
from billing.services import plan_feature_open
from turf.api import error_message

from ..responses import gated, problem

DELIVERIES_SHOWN = 50


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label=_("URL"), assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=EventType.choices, label=_("Events"), widget=forms.CheckboxSelectMultiple
    )


@gated(Feature.WEBHOOKS)
def webhooks_page(request):
    """GET: the user's endpoints, each with its test and delete buttons, and the form to add one. POST: register an
    endpoint and show its secret, once (rendered into this answer, never shown again)."""
    if request.method == "GET":
        context = {"webhooks": list(webhook_list(user=request.user)), **_form_context()}
        return render(request, "dashboard/account/webhooks.html", context)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            new = webhook_create(user=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
        except APIException as exc:  # 400: an address refused; 409: as many endpoints as an account may hold
            form.add_error(None, error_message(exc.detail))
        else:
            response = render(
                request, "dashboard/account/webhook_created.html", {"endpoint": new.endpoint, "secret": new.secret}
            )
            response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
            return response
    return render(request, "dashboard/account/webhook_created.html", {"form": form}, status=400)


@require_POST
@gated(Feature.WEBHOOKS)
def webhook_delete_page(request, webhook_id: int):
    try:
        webhook_delete(user=request.user, webhook_id=webhook_id)
    except APIException as exc:  # 404: not one of the user's endpoints
        return problem(request, exc.status_code, gettext("No such webhook"), str(exc.detail))
    return redirect(reverse("dashboard:webhooks"))


@require_POST
@gated(Feature.WEBHOOKS)
def webhook_test_page(request, webhook_id: int):
    try:
        webhook_test_send(user=request.user, webhook_id=webhook_id)
    except APIException as exc:
        return problem(request, exc.status_code, gettext("No such webhook"), str(exc.detail))
    return redirect(reverse("dashboard:webhook", args=[webhook_id]))


@require_GET
@gated(Feature.WEBHOOKS)
def webhook_page(request, webhook_id: int):
    """One endpoint and its latest deliveries: status, attempts, response, timing."""
    try:
        endpoint = webhook_get(user=request.user, webhook_id=webhook_id)
    except APIException as exc:
        return problem(request, exc.status_code, gettext("No such webhook"), str(exc.detail))
    deliveries = list(webhook_delivery_list(endpoint=endpoint)[:DELIVERIES_SHOWN])
    labels = dict(EventType.choices)
    context = {
        "endpoint": endpoint,
        "events": [labels.get(code, code) for code in endpoint.events],
        "deliveries": deliveries,
        "shown": DELIVERIES_SHOWN,
    }
    return render(request, "dashboard/account/webhook.html", context)


urlpatterns = [
    path("account/webhooks/", webhooks_page, name="webhooks"),
    path("account/webhooks/<int:webhook_id>/", webhook_page, name="webhook"),
    path("account/webhooks/<int:webhook_id>/delete/", webhook_delete_page, name="webhook-delete"),
    path("account/webhooks/<int:webhook_id>/test/", webhook_test_page, name="webhook-test"),
]


def _form_context() -> dict:
    return {"webhooks_max": settings.TURF_WEBHOOK_MAX_ENDPOINTS, "webhook_form": WebhookForm()}


def account_context(request) -> dict:
    """What this section of /account/ shows: the form to add an endpoint and the way to the list (which has a page
    of its own: /account/ stays within its handful of queries), or the plan that opens them."""
    try:
        plan_feature_open(user=request.user, feature=Feature.WEBHOOKS)
    except PlanRequired as exc:
        return {"webhooks_open": False, "webhooks_needed": exc.needed}
    return {"webhooks_open": True, **_form_context()}
