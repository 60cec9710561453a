"""E-mail verification, password forgotten / reset / change, profile: the pages, over the API's services.

The log-in-free pages (forgotten password, the reset link) count their POSTs with the API's auth endpoints,
per address, as the log-in and sign-up forms do; every account limit (codes tried, mails sent, failed
passwords) is the services' own and answers the refusal page with 429."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from accounts.services.password import (
    FORGOT_MESSAGE,
    password_change,
    password_reset,
    password_reset_request,
    password_reset_user,
)
from accounts.services.profile import email_change_confirm, email_change_pending, profile_update
from accounts.services.verification import email_verify, email_verify_resend
from billing.gate import Page, gate_pass
from billing.throttles import AUTH_SCOPE
from turf.audit import request_address
from turf.errors import Conflict


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{3}[\s-]?\d{3}\s*$",
        max_length=20,
        label=_("Code"),
        error_messages={"invalid": _("Type the 6 digits of the code we mailed.")},
    )


class ForgotForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("E-mail"))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128, label=_("New password"))
    new_password_again = forms.CharField(
        widget=forms.PasswordInput, strip=False, max_length=128, label=_("New password (again)")
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") != data["new_password"]:
            self.add_error("new_password_again", _("The two passwords differ."))
        return data


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        widget=forms.PasswordInput, strip=False, max_length=128, label=_("Current password")
    )
    field_order = ["current_password", "new_password", "new_password_again"]


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False, label=_("Name"))
    email = forms.EmailField(max_length=254, label=_("E-mail"))


def _code(form) -> str:
    return "".join(ch for ch in form.cleaned_data["code"] if ch.isdigit())


def _errors(form, exc: serializers.ValidationError) -> None:
    """A service's 400 on the form's fields (unknown ones on the whole form)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {None: exc.detail}
    for field, messages_ in detail.items():
        texts = [str(m) for m in messages_] if isinstance(messages_, list) else [str(messages_)]
        form.add_error(field if field in form.fields else None, texts)


def _too_many(request, exc: Throttled):
    """The refusal page of an account limit, as the API answers 429 too_many_attempts."""
    wait = int(exc.wait) if exc.wait else None
    context = {"title": gettext("Too many attempts"), "message": str(exc.detail), "wait": wait}
    response = render(request, "dashboard/refused.html", context, status=429)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _limited(view):
    """Every POST counts with the API's auth endpoints per address (a limit on guessing), and any account limit
    the view hits is the 429 page."""
    gate = Page(throttle_scope=AUTH_SCOPE)

    @wraps(view)
    def limited(request, *args, **kwargs):
        try:
            if request.method == "POST":
                gate_pass(request, gate, dict)
            return view(request, *args, **kwargs)
        except Throttled as exc:  # TooManyAttempts is one
            return _too_many(request, exc)

    return limited


def _next(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and safe else default


@login_required
@_limited
def verify(request):
    """Enter the code mailed at sign-up (or since); a button sends a new one."""
    form = CodeForm(request.POST or None)
    next_url = _next(request, "")
    if request.method == "POST" and form.is_valid():
        try:
            email_verify(user=request.user, code=_code(form))
        except serializers.ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, gettext("Your e-mail address is verified."))
            return redirect(next_url or "dashboard:account")
    return render(request, "dashboard/lifecycle/verify.html", {"form": form, "next": next_url})


@require_POST
@login_required
@_limited
def verify_resend(request):
    if email_verify_resend(user=request.user):
        messages.info(request, gettext("A new code is on its way to %(email)s.") % {"email": request.user.email})
    return redirect("dashboard:verify")


@_limited
def password_forgot(request):
    """Ask for a reset link: the same answer whether the address has an account or not."""
    form = ForgotForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"])
        sent = True
    context = {"form": form, "sent": sent, "message": FORGOT_MESSAGE}
    return render(request, "dashboard/lifecycle/password_forgot.html", context)


@_limited
def password_reset_page(request, uidb64: str, token: str):
    """The mailed link: choose a new password while the link is good (400 once used or expired)."""
    if password_reset_user(uidb64=uidb64, token=token) is None:
        return render(request, "dashboard/lifecycle/password_reset.html", {"bad_link": True}, status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset(
                uidb64=uidb64,
                token=token,
                new_password=form.cleaned_data["new_password"],
                address=request_address(request),
            )
        except serializers.ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, gettext("Your password is changed: log in with it."))
            return redirect("dashboard:login")
    return render(request, "dashboard/lifecycle/password_reset.html", {"form": form})


@login_required
@_limited
def password_change_page(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                address=request_address(request),
            )
        except serializers.ValidationError as exc:
            _errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session goes on; the others end
            messages.success(request, gettext("Your password is changed; your other sessions were logged out."))
            return redirect("dashboard:account")
    return render(request, "dashboard/lifecycle/password_change.html", {"form": form})


@login_required
@_limited
def profile(request):
    """Name and e-mail address: a new address is mailed a code, and counts once confirmed."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "email": user.email})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            profile_update(user=user, full_name=form.cleaned_data["full_name"], email=email, request=request)
        except Conflict as exc:
            form.add_error("email", str(exc.detail))
        else:
            if email.strip().lower() != user.email.lower():
                messages.info(
                    request,
                    gettext("We mailed a code to %(email)s: type it here to switch to that address.")
                    % {"email": email},
                )
                return redirect("dashboard:email-confirm")
            messages.success(request, gettext("Your profile is saved."))
            return redirect("dashboard:account")
    return render(request, "dashboard/lifecycle/profile.html", {"form": form})


@login_required
@_limited
def email_confirm(request):
    """Type the code mailed to the new address."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_change_confirm(user=request.user, code=_code(form), request=request)
        except serializers.ValidationError as exc:
            _errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, gettext("Your e-mail address is now %(email)s.") % {"email": request.user.email})
            return redirect("dashboard:account")
    context = {"form": form, "pending_email": email_change_pending(user=request.user)}
    return render(request, "dashboard/lifecycle/email_confirm.html", context)


urlpatterns = [
    path("verify/", verify, name="verify"),
    path("verify/resend/", verify_resend, name="verify-resend"),
    path("password/forgot/", password_forgot, name="password-forgot"),
    path("password/reset/<str:uidb64>/<str:token>/", password_reset_page, name="password-reset"),
    path("account/password/", password_change_page, name="password-change"),
    path("account/profile/", profile, name="profile"),
    path("account/email/confirm/", email_confirm, name="email-confirm"),
]


def account_context(request) -> dict:
    """What this section of /account/ shows: the address's state, the password and profile forms."""
    user = request.user
    return {
        "email_verified": user.email_verified,
        "pending_email": email_change_pending(user=user),
        # Their own ids: the other sections of the page have forms too.
        "password_form": PasswordChangeForm(auto_id="password_%s"),
        "profile_form": ProfileForm(initial={"full_name": user.full_name, "email": user.email}, auto_id="profile_%s"),
    }
