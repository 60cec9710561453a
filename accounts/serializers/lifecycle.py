"""Request and response shapes of the account's life cycle: codes, passwords, the profile."""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import serializers

from turf.serializers import StrictSerializer

from .auth import UserSerializer

_SEPARATORS = re.compile(r"[\s-]")


class CodeField(serializers.CharField):
    """The 6-digit code of a mail; spaces and dashes a user may type are dropped."""

    default_error_messages = {"shape": "must be the 6 digits of the code we mailed."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "the 6-digit code we mailed")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = _SEPARATORS.sub("", super().to_internal_value(data))
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            self.fail("shape")
        return code


class CodeSerializer(StrictSerializer):
    code = CodeField()


class ResendSerializer(StrictSerializer):
    email = serializers.EmailField(
        max_length=254, required=False, help_text="the address to send a code to, when not logged in"
    )


class EmailSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetSerializer(StrictSerializer):
    uid = serializers.CharField(max_length=64, help_text="the link's first part (/password/reset/<uid>/<token>/)")
    token = serializers.CharField(max_length=128, help_text="the link's second part")
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class PasswordChangeSerializer(StrictSerializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class ProfileSerializer(StrictSerializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES], required=False, help_text="the language of your mails"
    )
    email = serializers.EmailField(
        required=False, max_length=254, help_text="a new address: a code is mailed to it, and it counts once confirmed"
    )


class MessageSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()


class UserMessageSerializer(serializers.Serializer):
    user = UserSerializer()
    message = serializers.CharField()


class ProfileAnswerSerializer(serializers.Serializer):
    user = UserSerializer()
    pending_email = serializers.EmailField(allow_null=True, help_text="a new address waiting for its code")
    message = serializers.CharField()
