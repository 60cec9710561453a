"""Log-in and sign-up forms of the subscriber dashboard."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.views.auth import INVALID_CREDENTIALS


class LoginForm(AuthenticationForm):
    # One message whatever was wrong, as the API's login says, so the form does not reveal which e-mails exist.
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_CREDENTIALS}

    def clean_username(self) -> str:
        # Accounts are stored lower-case (UserManager); the API's login folds the case the same way.
        return self.cleaned_data["username"].strip().lower()


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254, label="E-mail")
    full_name = forms.CharField(max_length=150, required=False, label="Name (optional)")
    password = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128, label="Password (again)")
    # The consents the API's registration asks for (accept_privacy, adult, marketing_opt_in), recorded alike.
    accept_privacy = forms.BooleanField(
        label="I accept the privacy policy",
        error_messages={"required": "Accept the privacy policy to sign up."},
    )
    adult = forms.BooleanField(
        label="I am 18 or over", error_messages={"required": "Turf is for adults only: confirm you are 18 or over."}
    )
    marketing_opt_in = forms.BooleanField(required=False, label="Send me Turf's news by e-mail (optional)")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        return data
