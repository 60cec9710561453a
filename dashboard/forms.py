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
    password = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=128, label="Password (again)")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        return data
