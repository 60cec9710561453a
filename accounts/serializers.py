from django.contrib.auth import password_validation
from django.core import exceptions as django_exceptions
from rest_framework import serializers

from turf.serializers import StrictSerializer


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)

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


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly_price = serializers.DecimalField(max_digits=8, decimal_places=2)
    features = serializers.ListField(child=serializers.CharField())
    requests_per_minute = serializers.IntegerField()
    requests_per_day = serializers.IntegerField()
    daily_quotas = serializers.DictField(child=serializers.IntegerField())


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    date_joined = serializers.DateTimeField()
    plan = serializers.SerializerMethodField()

    def get_plan(self, user) -> str | None:
        return user.plan.code if user.plan_id else None
