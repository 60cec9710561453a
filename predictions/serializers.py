"""Response rows of the prediction endpoints, and top3's query (the others' are ``turf.params``')."""

from rest_framework import serializers

from courses.clock import PHASES
from courses.serializers import RaceSerializer
from turf.params import DayPageParams, limit_field

from .models import PublishedStage


def skipped_field() -> serializers.DictField:
    """``skipped`` of the day's lists of what to back (top3, valuebets): why races are not listed
    (``selectors.races_skipped``)."""
    return serializers.DictField(
        child=serializers.IntegerField(),
        help_text='the day\'s races left out, by reason: "gone off" (only races still to come are listed), '
        '"cancelled"; a reason with no race is left out',
    )


class Top3Params(DayPageParams):
    limit = limit_field(3)  # the day's three strongest picks, unless more are asked for


class RunnerPredictionSerializer(serializers.Serializer):
    runner_id = serializers.IntegerField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    jockey = serializers.CharField(allow_null=True)
    trainer = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True, help_text="finishing position, once the race is finished")
    odds = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="the odds the prediction used (at the card's `odds_at`); without a prediction, the market "
        "view's odds now: final where known, else morning",
    )
    morning_odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    final_odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    win_probability = serializers.FloatField(allow_null=True)
    place_probability = serializers.FloatField(allow_null=True)
    market_probability = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True, help_text="1 = the model's top pick in the race")
    model_version = serializers.CharField(allow_null=True)
    scored_at = serializers.DateTimeField(allow_null=True, help_text="when this prediction was computed")
    explanation = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        allow_null=True,
        help_text="the features that moved this runner's score most: {feature, label, contribution}",
    )


class ArrivalSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    runner_id = serializers.IntegerField()


class RapportSerializer(serializers.Serializer):
    bet_type = serializers.CharField()
    label = serializers.CharField()
    combination = serializers.CharField(help_text='saddle numbers, e.g. "7" or "7-3-9"; "NP" = refund')
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="paid per 1 € staked")


class RaceResultSerializer(serializers.Serializer):
    official = serializers.BooleanField(help_text="the arrival is official and the rapports définitifs published")
    arrival = ArrivalSerializer(many=True, help_text="the finishing order (dead heats share a position)")
    non_partants = serializers.ListField(child=serializers.IntegerField(), help_text="saddle numbers struck out")
    rapports = RapportSerializer(many=True)


class RaceCardSerializer(serializers.Serializer):
    race = RaceSerializer()
    phase = serializers.ChoiceField(
        choices=PHASES,
        help_text="where the race is on its clock: scheduled, off (start time passed), running, finished, "
        "official (rapports définitifs published) or cancelled",
    )
    basis = serializers.ChoiceField(
        choices=["live", "published", "walk_forward"],
        allow_null=True,
        help_text="where the probabilities come from: `live` = the active model's current prediction (a race "
        "still to come); `published` = what was published before the off (a race that has gone off); "
        "`walk_forward` = for a race never served live (imported history), the prediction of the latest model "
        "trained strictly before the race's day; null = no prediction",
    )
    stage = serializers.ChoiceField(
        choices=PublishedStage.values,
        allow_null=True,
        help_text="with `published`: the freeze shown, `off` (the last before the race) or else `morning`",
    )
    model_version = serializers.CharField(allow_null=True)
    scored_at = serializers.DateTimeField(allow_null=True, help_text="when the prediction shown was computed")
    published_at = serializers.DateTimeField(allow_null=True, help_text="with `published`: when it was frozen")
    odds_at = serializers.DateTimeField(allow_null=True, help_text="when the odds the prediction used were taken")
    data = RunnerPredictionSerializer(many=True, source="rows")
    result = RaceResultSerializer(allow_null=True, help_text="a finished race's arrival and rapports; else null")


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
