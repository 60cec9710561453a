"""The metrics' query."""

from rest_framework import serializers


class MetricsParams(serializers.Serializer):
    days = serializers.IntegerField(default=30, min_value=1, max_value=3660)
