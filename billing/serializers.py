"""The shapes billing answers: a plan, the subscription, the usage."""

from rest_framework import serializers


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly_price = serializers.DecimalField(max_digits=8, decimal_places=2)
    features = serializers.ListField(child=serializers.CharField())
    requests_per_minute = serializers.IntegerField()
    requests_per_day = serializers.IntegerField()
    daily_quotas = serializers.DictField(child=serializers.IntegerField())
