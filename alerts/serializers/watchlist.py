"""The watchlist's request and response shapes."""

from __future__ import annotations

from rest_framework import serializers

from turf.serializers import IdField, StrictSerializer

from ..models import FollowKind


class WatchlistFollowSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=FollowKind.values, help_text="what to follow")
    id = IdField(help_text="its id, as `GET search` gives it")


class WatchlistTargetSerializer(serializers.Serializer):
    """What is followed; the fields after ``name`` depend on the entry's ``type``."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    birth_year = serializers.IntegerField(required=False, allow_null=True, help_text="horse")
    sex = serializers.CharField(required=False, help_text="horse")
    country = serializers.CharField(required=False, help_text="racecourse")
    date = serializers.DateField(required=False, help_text="race")
    code = serializers.CharField(required=False, help_text="race: R1C3")
    racecourse = serializers.CharField(required=False, help_text="race: its racecourse's name")

    def to_representation(self, instance: dict) -> dict:
        # A field the item's type has no part in is left out, not sent as null.
        return {key: value for key, value in super().to_representation(instance).items() if key in instance}


class WatchlistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the entry's id: `DELETE watchlist/{id}` unfollows")
    type = serializers.ChoiceField(choices=FollowKind.values)
    target = WatchlistTargetSerializer()
    created_at = serializers.DateTimeField()
