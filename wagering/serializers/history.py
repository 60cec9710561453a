"""The prediction history's query and its rows."""

from rest_framework import serializers

from courses.models import Discipline
from turf.params import PageParams, WindowParams

from ..services.pre_race import BASES


class HistoryParams(WindowParams, PageParams):
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False)
    racecourse = serializers.CharField(required=False, max_length=40, help_text="racecourse code, e.g. VIN")


class HistoryRunnerSerializer(serializers.Serializer):
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    won = serializers.BooleanField()
    placed = serializers.BooleanField(help_text="finished in the places paid")
    odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, help_text="final odds")
    prediction_odds = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="the odds the prediction saw (for a published one, the last odds before the off)",
    )
    win_probability = serializers.FloatField()
    place_probability = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    profit_1_unit = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="1 unit on simple gagnant, settled as a backtest settles it; null where it cannot be",
    )


class HistoryRaceSerializer(serializers.Serializer):
    race_id = serializers.IntegerField()
    date = serializers.DateField()
    race_code = serializers.CharField()
    race_name = serializers.CharField()
    racecourse = serializers.CharField()
    discipline = serializers.CharField()
    source = serializers.CharField()
    model_version = serializers.CharField(allow_null=True, help_text="the version whose prediction is shown")
    basis = serializers.ChoiceField(
        choices=BASES,
        help_text="published: the prediction published at the race's off; walk_forward: the race was never live, "
        "so the latest version trained before its day",
    )
    published_at = serializers.DateTimeField(allow_null=True, help_text="when a published prediction was frozen")
    winner = serializers.ListField(
        child=serializers.IntegerField(), help_text="saddle numbers (several on a dead heat)"
    )
    log_loss = serializers.FloatField(allow_null=True)
    runners = HistoryRunnerSerializer(many=True)
