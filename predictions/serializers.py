"""Response rows of the prediction endpoints and of the model registry, and top3's query (the others' are
``turf.params``')."""

from rest_framework import serializers

from courses.clock import PHASES
from courses.serializers import RaceSerializer
from turf.params import DayPageParams, limit_field

from .models import ModelKind, ModelStatus, PublishedStage


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


class HeldOutFiguresSerializer(serializers.Serializer):
    races = serializers.IntegerField(help_text="held-out races priced by the market (complete odds)")
    log_loss = serializers.FloatField(allow_null=True, help_text="mean race log loss of the winner, lower is better")
    pseudo_r2 = serializers.FloatField(allow_null=True, help_text="1 - log loss / the uniform guess's (Benter)")
    brier = serializers.FloatField(allow_null=True, help_text="Brier score summed over a race's runners, mean")
    top1_accuracy = serializers.FloatField(allow_null=True, help_text="share of races its favourite won")


class HeldOutSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True, help_text="first day of the held-out races (after the training)")
    end = serializers.DateField(allow_null=True)
    model = HeldOutFiguresSerializer(help_text="the version's figures on the held-out races the market priced")
    market = HeldOutFiguresSerializer(allow_null=True, help_text="the market's (normalised 1/odds) on the same races")


class PromotionSerializer(serializers.Serializer):
    against = serializers.CharField(help_text="the version active when it was judged (or the market baseline)")
    races = serializers.IntegerField(help_text="its validation races both versions priced")
    candidate_log_loss = serializers.FloatField(allow_null=True)
    active_log_loss = serializers.FloatField(allow_null=True)
    promoted = serializers.BooleanField()
    rule = serializers.CharField(
        required=False, help_text='"at least as good", or "strictly better (a rerun)" for a rerun'
    )
    at = serializers.DateTimeField()


class ModelVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    kind = serializers.ChoiceField(choices=ModelKind.choices)
    status = serializers.ChoiceField(choices=ModelStatus.choices)
    active = serializers.BooleanField(help_text="the version the API serves now (at most one)")
    rerun = serializers.BooleanField(
        help_text="trained on the same input (races, results, code, parameters) as the version active then: "
        "promoted only if strictly better"
    )
    trained_from = serializers.DateField(allow_null=True, help_text="first race day of its training window")
    trained_until = serializers.DateField(allow_null=True, help_text="last race day of its training window")
    races_used = serializers.IntegerField(allow_null=True)
    runners_used = serializers.IntegerField(allow_null=True)
    sources = serializers.ListField(child=serializers.CharField(), help_text="the data sets it was trained on")
    held_out = HeldOutSerializer(
        allow_null=True, help_text="its figures on the races after its training, beside the market's; null: untrained"
    )
    promotion = PromotionSerializer(allow_null=True, help_text="how it was judged against the active version")
    features = serializers.ListField(child=serializers.CharField(), help_text="the inputs it reads, in order")
    fingerprint = serializers.CharField(allow_null=True, help_text="SHA-256 of its training input")
    created_at = serializers.DateTimeField()
    promoted_at = serializers.DateTimeField(allow_null=True, help_text="when it was last made the active version")
