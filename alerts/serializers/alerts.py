"""The alerts list and the preferences: in and out."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from turf.params import PageParams
from turf.serializers import StrictSerializer

from ..models import Channel, EventType


class AlertListParams(PageParams):
    # Spelt one way (a boolean query would also take 1, yes, on): true or false.
    unread = serializers.ChoiceField(
        choices=["true", "false"], required=False, default="false", help_text="true: only the alerts not read yet"
    )

    def validate_unread(self, value: str) -> bool:
        return value == "true"


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(source="event.type")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    race_id = serializers.IntegerField(source="event.race_id", allow_null=True)
    runner_id = serializers.IntegerField(source="event.runner_id", allow_null=True)
    payload = serializers.DictField(source="event.payload", help_text="what the event says (the webhooks' `data`)")


class AlertsReadSerializer(serializers.Serializer):
    read = serializers.IntegerField(help_text="how many alerts were marked read")


class PreferenceSerializer(serializers.Serializer):
    event_type = serializers.CharField()
    label = serializers.CharField()
    channels = serializers.ListField(child=serializers.CharField())
    odds_move_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    odds_move_percent_effective = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="`odds.moved`: the move that counts for you"
    )


class PreferenceListSerializer(serializers.Serializer):
    data = PreferenceSerializer(many=True)


class PreferenceInSerializer(StrictSerializer):
    event_type = serializers.ChoiceField(choices=EventType.choices)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        max_length=len(Channel.choices),
        help_text='e.g. ["in_app", "email"]; [] = not told; "webhook" needs a plan that opens webhooks',
    )
    odds_move_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("1"),
        max_value=Decimal("1000"),
        required=False,
        allow_null=True,
        help_text="`odds.moved` only: the move (percent of the previous price) to hear of; null = the default",
    )

    def validate(self, attrs):
        if attrs.get("odds_move_percent") is not None and attrs["event_type"] != EventType.ODDS_MOVED:
            raise serializers.ValidationError({"odds_move_percent": "only for odds.moved."})
        return attrs


class PreferencesInSerializer(StrictSerializer):
    preferences = PreferenceInSerializer(many=True, allow_empty=False, max_length=len(EventType.choices))

    def validate_preferences(self, value):
        types = [item["event_type"] for item in value]
        if len(types) != len(set(types)):
            raise serializers.ValidationError("each event type at most once.")
        return value
