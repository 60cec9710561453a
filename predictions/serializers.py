"""Query parameters and response rows of the prediction endpoints."""

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from courses.serializers import DayParams
from turf.apiviews import PageParams

DATE = {"input_formats": ["%Y-%m-%d"]}


class DayPageParams(DayParams, PageParams):
    pass


class ValueBetParams(DayPageParams):
    min_odds = serializers.FloatField(default=2.0, min_value=1.0, max_value=1000.0)
    edge = serializers.FloatField(default=0.0, min_value=0.0, max_value=10.0, help_text="minimum expected value")


MAX_WINDOW_DAYS = 3660


def check_window(start: dt.date, end: dt.date) -> None:
    """A date window runs forwards and spans at most MAX_WINDOW_DAYS; a 400 naming ``start`` otherwise."""
    if start > end:
        raise serializers.ValidationError({"start": "must be on or before end."})
    if (end - start).days > MAX_WINDOW_DAYS:
        raise serializers.ValidationError({"start": f"the window may span at most {MAX_WINDOW_DAYS} days."})


class WindowParams(serializers.Serializer):
    """A date window, ``start``..``end`` inclusive; defaults to the last 30 days up to yesterday."""

    start = serializers.DateField(required=False, **DATE)
    end = serializers.DateField(required=False, **DATE)

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate() - dt.timedelta(days=1)
        start = attrs.get("start") or end - dt.timedelta(days=29)
        check_window(start, end)
        attrs.update(start=start, end=end)
        return attrs


class BacktestParams(WindowParams, PageParams):
    min_odds = serializers.FloatField(default=2.0, min_value=1.0, max_value=1000.0)
    edge = serializers.FloatField(default=0.0, min_value=0.0, max_value=10.0)


class ExportParams(serializers.Serializer):
    type = serializers.ChoiceField(choices=["predictions", "bets"])
    date = serializers.DateField(required=False, **DATE)
    start = serializers.DateField(required=False, **DATE)
    end = serializers.DateField(required=False, **DATE)

    def validate(self, attrs):
        if attrs.get("date"):
            if attrs.get("start") or attrs.get("end"):
                raise serializers.ValidationError({"date": "give either date, or start and end, not both."})
            attrs["start"] = attrs["end"] = attrs["date"]
            return attrs
        if not attrs.get("start") or not attrs.get("end"):
            raise serializers.ValidationError({"date": "give date, or start and end (YYYY-MM-DD)."})
        check_window(attrs["start"], attrs["end"])
        return attrs


class MetricsParams(serializers.Serializer):
    days = serializers.IntegerField(default=30, min_value=1, max_value=3660)


class RunnerPredictionSerializer(serializers.Serializer):
    runner_id = serializers.IntegerField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    jockey = serializers.CharField(allow_null=True)
    trainer = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    odds = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="the odds the market view uses: final where known, else morning",
    )
    morning_odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    final_odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    win_probability = serializers.FloatField(allow_null=True)
    place_probability = serializers.FloatField(allow_null=True)
    market_probability = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True, help_text="1 = the model's top pick in the race")
    model_version = serializers.CharField(allow_null=True)
    explanation = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        allow_null=True,
        help_text="the features that moved this runner's score most: {feature, label, contribution}",
    )


class RaceRunnerFields(serializers.Serializer):
    """The race and runner a selection is about: shared by picks, prediction rows and value bets."""

    race_id = serializers.IntegerField()
    date = serializers.DateField()
    race_code = serializers.CharField()
    race_name = serializers.CharField()
    racecourse = serializers.CharField()
    start_time = serializers.DateTimeField(allow_null=True)
    runner_id = serializers.IntegerField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()


class PickSerializer(RaceRunnerFields):
    win_probability = serializers.FloatField()
    place_probability = serializers.FloatField(allow_null=True)
    odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    model_version = serializers.CharField()


class PredictionRowSerializer(PickSerializer):
    source = serializers.CharField()
    jockey = serializers.CharField(allow_null=True)
    trainer = serializers.CharField(allow_null=True)
    market_probability = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField()


class ValueBetSerializer(RaceRunnerFields):
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    win_probability = serializers.FloatField()
    expected_value = serializers.FloatField(help_text="p × odds − 1 per unit staked")
    kelly_fraction = serializers.FloatField(help_text="¼ Kelly, capped")
    stake = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="for a bankroll of 100")
    model_version = serializers.CharField()


class BetSerializer(serializers.Serializer):
    date = serializers.DateField()
    race_id = serializers.IntegerField()
    race_code = serializers.CharField()
    racecourse = serializers.CharField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    probability = serializers.FloatField()
    expected_value = serializers.FloatField()
    stake = serializers.DecimalField(max_digits=10, decimal_places=2)
    # "return" is a keyword: the field is declared under another name and renamed below.
    returned = serializers.DecimalField(max_digits=12, decimal_places=2, source="return")
    profit = serializers.DecimalField(max_digits=12, decimal_places=2)
    bankroll = serializers.DecimalField(max_digits=14, decimal_places=2)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["return"] = data.pop("returned")
        return data
