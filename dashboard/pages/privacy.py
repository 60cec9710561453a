"""GDPR: the privacy policy, data export, account deletion, marketing unsubscribe: the pages."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.exceptions import APIException, Throttled

from accounts.services.gdpr import account_data_export, account_erase
from accounts.services.marketing import marketing_consent_set, marketing_unsubscribe_user
from billing.gate import Page, gate_pass
from turf.api import error_message
from turf.audit import request_address

from ..responses import problem, refused

# Data pages count against the plan's request limits, as their API endpoints do; none needs a feature.
GATE = Page()
# What the policy names as kept, and for how long: one place for the page and the tests.
RETENTION = {
    "invoices": "10 years after the financial year (French Commercial Code, art. L123-22), without your account",
    "audit": "as long as the service runs: the record of plan changes, API keys, limits, self-exclusions and "
    "deletions, by account number, never by name or e-mail",
    "rate_limits": "one day at most: request counters per account and per IP address, in the cache",
    "tokens": "until they expire (7 days at most): revoked refresh tokens, so that they stay refused",
}


class DeleteForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128, label=_("Your password"))


def privacy_policy(request):
    """The privacy policy (public): what we hold, why, for how long, and your rights."""
    context = {
        "version": settings.PRIVACY_POLICY_VERSION,
        "retention": RETENTION,
        "site_url": settings.SITE_URL,
        "contact": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "dashboard/privacy.html", context)


def _counted(request):
    """The page counts against the user's request limits as the API endpoint does; the refusal page past them."""
    try:
        gate_pass(request, GATE, dict)
    except Throttled as exc:
        return refused(request, exc)
    return None


@login_required
def account_data_download(request):
    """Everything we hold about the user (GDPR Art. 15), as the API's export, to download."""
    refused = _counted(request)
    if refused is not None:
        return refused
    data = account_data_export(user=request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="turf-data-{timezone.localdate():%Y-%m-%d}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_delete(request):
    """Delete the account (GDPR Art. 17) once the password confirms it; log out and say goodbye."""
    form = DeleteForm(request.POST or None)
    status, wait = 200, None
    if request.method == "POST":
        refused = _counted(request)
        if refused is not None:
            return refused
        status = 400
        if form.is_valid():
            try:
                account_erase(
                    user=request.user, password=form.cleaned_data["password"], address=request_address(request)
                )
            except serializers.ValidationError as exc:  # the wrong password
                form.add_error("password", error_message(exc.detail).removeprefix("password: "))
            except APIException as exc:  # too many wrong passwords (429), Stripe unreachable (502): nothing erased
                form.add_error(None, str(exc.detail))
                status, wait = exc.status_code, getattr(exc, "wait", None)
            else:
                logout(request)
                return redirect("dashboard:goodbye")
    response = render(request, "dashboard/account/delete.html", {"form": form}, status=status)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


def goodbye(request):
    return render(request, "dashboard/account/goodbye.html", {"retention": RETENTION})


@require_POST
@login_required
def marketing_toggle(request):
    """Opt in to, or out of, marketing mails (the consent recorded or withdrawn, as the API's)."""
    choice = request.POST.get("opt_in")
    if choice not in ("0", "1"):
        return problem(
            request, 400, gettext("That request could not be read"), gettext("opt_in must be 1 (yes) or 0 (no).")
        )
    marketing_consent_set(user=request.user, opt_in=choice == "1", address=request_address(request))
    return redirect(reverse("dashboard:account") + "#privacy")


# The signed token is the credential: no session is needed, and a mail client's browser may hold no CSRF cookie.
@csrf_exempt
def unsubscribe(request, token: str):
    """The link of every marketing mail (GDPR Art. 21): GET asks to confirm, POST unsubscribes."""
    user = marketing_unsubscribe_user(token=token)
    if user is None:
        context = {"invalid": True}
        return render(request, "dashboard/account/unsubscribe.html", context, status=400)
    done = False
    if request.method == "POST":
        marketing_consent_set(user=user, opt_in=False, address=request_address(request))
        done = True
    return render(request, "dashboard/account/unsubscribe.html", {"done": done, "opted_in": user.marketing_opt_in})


urlpatterns = [
    path("privacy/", privacy_policy, name="privacy"),
    path("account/data/", account_data_download, name="account-data"),
    path("account/delete/", account_delete, name="account-delete"),
    path("account/marketing/", marketing_toggle, name="account-marketing"),
    path("goodbye/", goodbye, name="goodbye"),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]


def account_context(request) -> dict:
    """What this section of /account/ shows: export, marketing consent, deletion."""
    return {
        "marketing_opt_in": request.user.marketing_opt_in,
        "privacy_policy_version": settings.PRIVACY_POLICY_VERSION,
        "delete_form": DeleteForm(),
    }
