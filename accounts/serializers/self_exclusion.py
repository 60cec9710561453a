"""Self-exclusion: the request, the exclusions as answered."""

from rest_framework import serializers

from turf.serializers import DayField, StrictSerializer

from ..services.self_exclusion import MAX_DAYS, MIN_DAYS


class SelfExclusionRequestSerializer(StrictSerializer):
    days = serializers.IntegerField(
        min_value=MIN_DAYS, max_value=MAX_DAYS, required=False, help_text="how long, from now: 1 to 365 days"
    )
    until = DayField(required=False, help_text="or the day it ends (at 00:00, Europe/Paris): tomorrow to a year on")

    def validate(self, attrs):
        if ("days" in attrs) == ("until" in attrs):
            raise serializers.ValidationError("give either days (1 to 365) or until (a date), not both.")
        return attrs


class SelfExclusionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="until when you are kept from picks, value bets and alerts")
    created_at = serializers.DateTimeField()
