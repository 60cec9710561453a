"""Betting limits: the body of a change, the limits as answered."""

from decimal import Decimal

from rest_framework import serializers

from turf.serializers import StrictSerializer

from ..models import LimitKind
from ..services.limits import MAX_LIMIT

PERIODS = ["day", "week", "month"]


def _amount_field(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_LIMIT,
        allow_null=True,
        required=False,
        help_text=f"{label}, in euros (null lifts the limit, 48 hours later); left out: unchanged",
    )


class BettingLimitsUpdateSerializer(StrictSerializer):
    stake_day = _amount_field(LimitKind.STAKE_DAY.label)
    stake_week = _amount_field(LimitKind.STAKE_WEEK.label)
    stake_month = _amount_field(LimitKind.STAKE_MONTH.label)
    loss_month = _amount_field(LimitKind.LOSS_MONTH.label)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(f"give at least one limit: {', '.join(LimitKind.values)}.")
        return attrs


class PendingLimitSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, help_text="null: lifted")
    effective_at = serializers.DateTimeField(help_text="when the change takes effect")


class BettingLimitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LimitKind.choices)
    label = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="the limit in force, in euros; null: none"
    )
    pending = PendingLimitSerializer(allow_null=True, help_text="a raise or lift waiting for its delay; null: none")
    period = serializers.ChoiceField(choices=PERIODS, help_text="the calendar period counted, Europe/Paris")
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    used = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="stakes of the period's bets (refunds aside); for loss_month, the month's settled net loss "
        "plus the stakes of open bets",
    )
    remaining = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="what a bet may still use; null: no limit"
    )


class BettingLimitsSerializer(serializers.Serializer):
    stake_day = BettingLimitSerializer()
    stake_week = BettingLimitSerializer()
    stake_month = BettingLimitSerializer()
    loss_month = BettingLimitSerializer()
