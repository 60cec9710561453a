"""The subscriber dashboard: server-rendered pages over the same selectors, plan gate and quotas as the API.

Every data page goes through ``_page`` and so through the API's own plan gate (``billing.gate.gate_pass``):
the request counted against the plan's limits, the plan asked whether it opens the page's feature, the
query read with the API endpoint's own parameter class, then the daily quota counted; the same counters,
in the same order, as an API call. A page never shows what the plan's API would refuse, and a refusal is
a page that names the plan to buy. The log-in and sign-up forms count their POSTs through the same gate,
with the API's auth endpoints.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.i18n import set_language
from rest_framework.exceptions import Throttled

from accounts.mail import user_language_set
from accounts.services import user_register
from accounts.services.lockout import login_failure_record, login_lockout_check, login_success_record
from billing.gate import Page, gate_pass, snapshot_attach
from billing.models import Feature
from billing.selectors import plan_for_user, plan_usage
from billing.throttles import AUTH_SCOPE
from courses.models import Race
from courses.selectors import RaceAddressError, race_synthetic_ids
from predictions.selectors import race_card, races_skipped, top_picks
from turf.audit import request_address
from turf.errors import Conflict, TooManyAttempts
from turf.params import DayParams
from wagering.selectors import value_bet_list
from wagering.serializers.value_bets import ValueBetParams

from .forms import LoginForm, SignupForm
from .pages import account_context
from .pages.bets import race_card_context
from .pages.combinations import race_combinations_context
from .pages.watchlist import watchlist_card_context
from .responses import day_links as _day_links
from .responses import gated
from .responses import problem as _problem
from .responses import refused as _refused


def _page(feature: str, params=DayParams):
    """A data page (``gated``): the view gets (request, validated params, the plan that opened the feature)."""

    def wrap(view):
        @gated(feature, params, hint=gettext_lazy("Pick a day with the calendar."))
        @wraps(view)
        def page(request, query, *args, **kwargs):
            return view(request, query, request.plan, *args, **kwargs)

        return page

    return wrap


def _throttle_posts(view):
    """Log-in and sign-up attempts count with the API's auth endpoints, per address (against password guessing)."""
    gate = Page(throttle_scope=AUTH_SCOPE)

    @wraps(view)
    def throttled(request, *args, **kwargs):
        if request.method == "POST":
            try:
                gate_pass(request, gate, dict)
            except Throttled as exc:
                return _refused(request, exc, attempts=True)
        return view(request, *args, **kwargs)

    return throttled


@_page(Feature.RACE_PREDICTIONS)
def race(request, params, plan, code: str):
    day = params["date"]
    try:
        card = race_card(day=day, code=code)
    except RaceAddressError as exc:
        return _problem(request, 400, _("That race address could not be read"), str(exc))
    except Race.DoesNotExist as exc:
        return _problem(request, 404, _("No such race"), str(exc))
    context = {
        **card,
        **race_card_context(request, card),
        **race_combinations_context(plan, card),
        **watchlist_card_context(request, card),
        **_day_links(day),
    }
    return render(request, "dashboard/race.html", context)


@_page(Feature.TOP3)
def picks(request, params, plan):
    day, now = params["date"], timezone.now()
    context = {
        "picks": top_picks(day=day, n=3, now=now),
        "skipped": races_skipped(day=day, now=now),
        "synthetic": race_synthetic_ids(day=day),
        "quota": plan.quota(Feature.TOP3),
        "plan": plan,
        **_day_links(day),
    }
    return render(request, "dashboard/picks.html", context)


@_page(Feature.VALUEBETS, ValueBetParams)
def value_bets(request, params, plan):
    day, now = params["date"], timezone.now()
    bets = value_bet_list(day=day, min_odds=params["min_odds"], edge=params["edge"], now=now)
    context = {
        "bets": bets,
        "skipped": races_skipped(day=day, now=now),
        "synthetic": race_synthetic_ids(day=day),
        "min_odds": params["min_odds"],
        "edge": params["edge"],
        **_day_links(day),
    }
    return render(request, "dashboard/value_bets.html", context)


@login_required
def account(request):
    # Read only: looking at one's usage uses none of it. Its sections read the plan and the self-exclusions from
    # the user's cached snapshot, as the gated pages do.
    snapshot_attach(request.user)
    plan = plan_for_user(request.user)
    usage = plan_usage(user=request.user)
    labels = dict(Feature.choices)
    quotas = [(labels.get(code, code), quota) for code, quota in usage["quotas"].items()]
    context = {"plan": plan, "usage": usage, "quotas": quotas}
    context.update(account_context(request))  # each section's (dashboard/pages/)
    return render(request, "dashboard/account.html", context)


@method_decorator(_throttle_posts, name="dispatch")
class Login(LoginView):
    template_name = "dashboard/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The API's lockout: failed log-ins per account and per address, the right password refused while locked.
        try:
            login_lockout_check(email=request.POST.get("username", ""), address=request_address(request))
        except TooManyAttempts as exc:
            return _refused(request, exc, attempts=True)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_success_record(email=form.get_user().email)
        return super().form_valid(form)

    def form_invalid(self, form):
        if form.data.get("username") and form.data.get("password"):  # a wrong password, not a blank field
            login_failure_record(email=form.data["username"], address=request_address(self.request))
        return super().form_invalid(form)


@_throttle_posts
def signup(request):
    """Create an account on the free plan (the API's registration service, its consents), log it in and send it to
    the verification page."""
    if request.user.is_authenticated:
        return redirect("dashboard:programme")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = ("email", "password", "accept_privacy", "adult", "marketing_opt_in", "full_name")
        try:
            user = user_register(
                **{name: form.cleaned_data[name] for name in fields},
                language=get_language(),  # the page's: the account's mails speak it
                address=request_address(request),
            )
        except ValidationError as exc:  # the password validators
            form.add_error("password", exc)
        except Conflict as exc:  # the e-mail is taken
            form.add_error("email", str(exc.detail))
        except TooManyAttempts as exc:  # sign-ups per address
            return _refused(request, exc, attempts=True)
        else:
            login(request, user)
            verify = reverse("dashboard:verify")
            return redirect(f"{verify}?{urlencode({'next': next_url})}" if next_url else verify)
    return render(request, "dashboard/signup.html", {"form": form, "next": next_url})


def language_set(request):
    """Django's ``set_language`` (the choice kept in a cookie for the pages), and for a logged-in user the language
    of their mails from now on."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language:
        user_language_set(user=request.user, language=language)
    return response
