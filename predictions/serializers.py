"""Response rows of the prediction endpoints, and top3's query (the others' are ``turf.params``')."""

from rest_framework import serializers

from turf.params import DayPageParams, limit_field


class Top3Params(DayPageParams):
    limit = limit_field(3)  # the day's three strongest picks, unless more are asked for


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
