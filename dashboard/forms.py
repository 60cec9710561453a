"""Log-in and sign-up forms of the subscriber dashboard."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One message whatever was wrong, as the API's login says, so the form does not reveal which e-mails exist.
    # The API's message (INVALID_CREDENTIALS, English: a contract), said in the reader's language.
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": _("Invalid e-mail or password.")}

    def clean_username(self) -> str:
        # Accounts are stored lower-case (UserManager); the API's login folds the case the same way.
        return self.cleaned_data["username"].strip().lower()


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("E-mail"))
    full_name = forms.CharField(max_length=150, required=False, label=_("Name (optional)"))
    password = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128, label=_("Password"))
    password_again = forms.CharField(
        widget=forms.PasswordInput, strip=False, max_length=128, label=_("Password (again)")
    )
    # The consents the API's registration asks for (accept_privacy, adult, marketing_opt_in), recorded alike.
    accept_privacy = forms.BooleanField(
        label=_("I accept the privacy policy"),
        error_messages={"required": _("Accept the privacy policy to sign up.")},
    )
    adult = forms.BooleanField(
        label=_("I am 18 or over"),
        error_messages={"required": _("Turf is for adults only: confirm you are 18 or over.")},
    )
    marketing_opt_in = forms.BooleanField(required=False, label=_("Send me Turf's news by e-mail (optional)"))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data
