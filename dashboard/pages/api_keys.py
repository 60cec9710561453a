"""API keys: list, create (shown once), revoke: the pages, over the API's services and its plan gate."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from accounts.services.api_keys import ACTIVE_KEYS_MAX, api_key_create, api_key_list, api_key_revoke
from billing.exceptions import PlanRequired
from billing.models import Feature
from billing.services import plan_feature_open
from turf.audit import request_address

from ..responses import gated, problem


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=60, label=_("Name"), help_text=_('What the key is for, e.g. "nightly export"'))


@require_POST
@gated(Feature.API_KEYS)
def api_key_create_page(request):
    """Create a key and show it, once: it is rendered into this answer and stored nowhere but as its hash."""
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            new = api_key_create(user=request.user, name=form.cleaned_data["name"], address=request_address(request))
        except APIException as exc:  # 409: as many active keys as an account may hold
            form.add_error(None, str(exc.detail))
        else:
            response = render(
                request,
                "dashboard/account/api_key_created.html",
                {"api_key": new.api_key, "key": new.key, "form": None},
            )
            response["Cache-Control"] = "no-store"  # the key must not stay in a cache
            return response
    return render(request, "dashboard/account/api_key_created.html", {"form": form}, status=400)


@require_POST
@gated(Feature.API_KEYS)
def api_key_revoke_page(request, key_id: int):
    try:
        api_key_revoke(user=request.user, key_id=key_id, address=request_address(request))
    except APIException as exc:  # 404: not one of the user's keys
        return problem(request, exc.status_code, gettext("No such API key"), str(exc.detail))
    return redirect(reverse("dashboard:account") + "#api-keys")


urlpatterns = [
    path("account/api-keys/", api_key_create_page, name="api-key-create"),
    path("account/api-keys/<int:key_id>/revoke/", api_key_revoke_page, name="api-key-revoke"),
]


def account_context(request) -> dict:
    """What this section of /account/ shows: the keys and the creation form, or the plan that opens them."""
    try:
        plan_feature_open(user=request.user, feature=Feature.API_KEYS)
    except PlanRequired as exc:
        return {"api_keys_open": False, "api_keys_needed": exc.needed}
    return {
        "api_keys_open": True,
        "api_keys": list(api_key_list(user=request.user)),
        "api_keys_max": ACTIVE_KEYS_MAX,
        "api_key_form": ApiKeyForm(),
    }
