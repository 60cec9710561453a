"""The bankroll tracker's bets: recorded in, listed out."""

from decimal import Decimal

from rest_framework import serializers

from turf.params import MAX_ID, PageParams

from ..models import UserBetStatus, UserBetType


class UserBetCreateSerializer(serializers.Serializer):
    race_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    saddle_number = serializers.IntegerField(min_value=1, max_value=99)
    bet_type = serializers.ChoiceField(choices=UserBetType.choices)
    stake = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    odds = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("1.01"),
        max_value=Decimal("999999"),
        help_text="the decimal odds you took",
    )


class BetListParams(PageParams):
    status = serializers.ChoiceField(choices=UserBetStatus.choices, required=False)


class UserBetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    race_id = serializers.IntegerField(source="runner.race_id")
    date = serializers.DateField(source="runner.race.meeting.date")
    race_code = serializers.CharField(source="runner.race.code")
    racecourse = serializers.CharField(source="runner.race.meeting.racecourse.name")
    saddle_number = serializers.IntegerField(source="runner.saddle_number")
    horse = serializers.CharField(source="runner.horse.name")
    bet_type = serializers.CharField()
    stake = serializers.DecimalField(max_digits=10, decimal_places=2)
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    status = serializers.CharField()
    returned = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    profit = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    placed_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)
