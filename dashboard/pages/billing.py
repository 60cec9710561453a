"""Subscription, checkout, the billing portal, cancel (Stripe): the pages.

The buttons POST here; each asks the same services as the API (``billing.payments``) and sends the subscriber on
to Stripe (302 to the Checkout or portal page), or back to ``/account/`` with what happened: a refusal of the
API (payments not configured, Stripe unreachable, an unverified address, a subscription already paid) is a
message on the account page, never an error page.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats
from django.utils.translation import gettext
from rest_framework.exceptions import APIException

from billing.models import Feature, SubscriptionStatus
from billing.payments import checkout_session_create, portal_session_create, subscription_cancel
from billing.selectors import endpoint_usage, plan_list, subscription_for_user, subscription_summary
from turf.api import error_message
from turf.audit import request_address

TAG = "billing"  # the messages this section shows (the account page may carry other sections' messages)
ACCOUNT = "dashboard:account"


def _refused(request, exc: APIException):
    messages.error(request, error_message(exc.detail), extra_tags=TAG)
    return redirect(ACCOUNT)


@login_required
def checkout(request, plan: str):
    """Upgrade: a Stripe Checkout session for ``plan``, and off to Stripe's page."""
    if request.method != "POST":
        return redirect(ACCOUNT)  # the buttons are on the account page (a log-in's ``next`` lands here by GET)
    try:
        session = checkout_session_create(user=request.user, plan_code=plan)
    except APIException as exc:
        return _refused(request, exc)
    return redirect(session["url"])


@login_required
def portal(request):
    """Manage billing: off to Stripe's billing portal."""
    if request.method != "POST":
        return redirect(ACCOUNT)
    try:
        session = portal_session_create(user=request.user)
    except APIException as exc:
        return _refused(request, exc)
    return redirect(session["url"])


@login_required
def cancel(request):
    """Cancel at the end of the period: a confirmation page (GET), then the cancellation (POST)."""
    if request.method != "POST":
        return render(request, "dashboard/billing_cancel.html", {"billing": subscription_summary(request.user)})
    try:
        subscription = subscription_cancel(user=request.user, address=request_address(request))
    except APIException as exc:
        return _refused(request, exc)
    end = subscription.current_period_end
    when = f"on {formats.date_format(end, 'j F Y')}" if end else "at the end of the period paid for"
    messages.success(
        request,
        gettext("Your %(plan)s subscription is cancelled: it ends %(when)s.")
        % {"plan": subscription.plan.name, "when": when},
        extra_tags=TAG,
    )
    return redirect(ACCOUNT)


urlpatterns = [
    path("account/billing/checkout/<slug:plan>/", checkout, name="billing-checkout"),
    path("account/billing/portal/", portal, name="billing-portal"),
    path("account/billing/cancel/", cancel, name="billing-cancel"),
]


def account_context(request) -> dict:
    """What this section of /account/ shows: the subscription, the plans above it, the way to Stripe."""
    subscription = subscription_for_user(request.user)
    summary = subscription_summary(request.user, subscription=subscription)
    plans = list(plan_list())
    grace_ends = None
    if summary["past_due_since"] is not None:
        grace_ends = summary["past_due_since"] + dt.timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS)
    return {
        "billing": summary,
        "billing_status": SubscriptionStatus(summary["status"]).label,
        "plans": plans,
        "features": [(label, [p.opens(code) for p in plans]) for code, label in Feature.choices],
        "billing_upgrades": [p for p in plans if summary["plan"] is None or p.rank > summary["plan"].rank],
        "billing_endpoints": endpoint_usage(request.user),
        "billing_customer": bool(subscription and subscription.stripe_customer_id),
        "billing_grace_ends": grace_ends,
        "billing_checkout": request.GET.get("checkout") if request.GET.get("checkout") in ("success", "cancel") else "",
    }
