"""The value-bet list's query and rows."""

from rest_framework import serializers

from predictions.serializers import RaceRunnerFields
from turf.params import DayPageParams

from ..services.value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS


class ValueBetParams(DayPageParams):
    min_odds = serializers.FloatField(default=VALUE_BET_MIN_ODDS, min_value=1.0, max_value=1000.0)
    edge = serializers.FloatField(
        default=VALUE_BET_EDGE, min_value=0.0, max_value=10.0, help_text="minimum expected value"
    )


class ValueBetSerializer(RaceRunnerFields):
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    win_probability = serializers.FloatField()
    expected_value = serializers.FloatField(help_text="p × odds − 1 per unit staked")
    kelly_fraction = serializers.FloatField(help_text="¼ Kelly, capped")
    stake = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="for a bankroll of 100")
    model_version = serializers.CharField()
