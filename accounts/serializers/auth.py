from django.conf import settings
from django.contrib.auth import password_validation
from django.core import exceptions as django_exceptions
from rest_framework import serializers

from turf.serializers import StrictSerializer


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    accept_privacy = serializers.BooleanField(help_text="true: you accept the privacy policy (/privacy); required")
    adult = serializers.BooleanField(help_text="true: you confirm being 18 or over; required")
    marketing_opt_in = serializers.BooleanField(required=False, default=False, help_text="news by e-mail")
    full_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=150)
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        default=settings.LANGUAGE_CODE,
        help_text="the language of the account's mails (the API itself answers in English)",
    )

    def validate_accept_privacy(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("must be true: accept the privacy policy (/privacy) to sign up.")
        return value

    def validate_adult(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("must be true: Turf is for adults only (18 or over).")
        return value

    def validate(self, attrs):
        from django.contrib.auth import get_user_model

        try:
            password_validation.validate_password(attrs["password"], user=get_user_model()(email=attrs["email"]))
        except django_exceptions.ValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class LoginSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=128)


class RefreshSerializer(StrictSerializer):
    refresh_token = serializers.CharField(max_length=2000)  # a token is a few hundred characters


class TokensSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    language = serializers.CharField(help_text="the language of the account's mails")
    email_verified = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    plan = serializers.SerializerMethodField()

    def get_plan(self, user) -> str | None:
        # The subscription billing keeps on every account (read through the relation: accounts imports no billing).
        subscription = getattr(user, "subscription", None)
        return subscription.plan.code if subscription is not None else None
