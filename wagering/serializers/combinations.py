"""A race's combinations: the query (bet type, how many, the multi's picks) and the answer."""

from rest_framework import serializers

from courses.clock import PHASES
from courses.serializers import RaceSerializer
from turf.params import DayParams

from ..selectors.combinations import BY_FIELD, BY_PROGRAMME, BY_RAPPORTS, COMBINED, METHOD

MULTI_PICKS = (4, 7)


class CombinationParams(serializers.Serializer):
    bet_type = serializers.ChoiceField(
        choices=COMBINED,
        help_text="a combined bet type (`BetType`): couple_gagnant, couple_place, couple_ordre, deux_sur_quatre, "
        "trio, trio_ordre, tierce_ordre / _desordre, quarte_ordre / _desordre / _bonus, quinte_ordre / _desordre "
        "/ _bonus4 / _bonus3, multi; one the race cannot have is a 400 that says which it can",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=100, default=20, help_text="how many combinations, most likely first (1..100)"
    )
    picks = serializers.IntegerField(
        min_value=MULTI_PICKS[0],
        max_value=MULTI_PICKS[1],
        required=False,
        help_text="multi only: the horses of the ticket, multi en 4 (default) to 7",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "picks" in attrs and attrs["bet_type"] != "multi":
            raise serializers.ValidationError({"picks": "picks is the multi's (multi en 4 to 7): drop it."})
        return attrs


class DayCombinationParams(CombinationParams, DayParams):
    pass


class CombinationSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    combination = serializers.CharField(help_text='the saddle numbers, in the ticket\'s order: "7-3-9"')
    saddle_numbers = serializers.ListField(child=serializers.IntegerField())
    horses = serializers.ListField(child=serializers.CharField())
    probability = serializers.FloatField(help_text="the chance the ticket collects")
    fair_rapport = serializers.FloatField(
        allow_null=True, help_text="1 / probability: the rapport per 1 € at which it breaks even, before takeout"
    )
    won = serializers.BooleanField(
        allow_null=True, help_text="after the race: the ticket collected (its rapports, else the arrival); else null"
    )
    rapport = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="the rapport définitif it paid per 1 €, if any"
    )
    edge = serializers.FloatField(allow_null=True, help_text="probability × rapport − 1, where the rapport is known")


class PaidLineSerializer(serializers.Serializer):
    combination = serializers.CharField()
    saddle_numbers = serializers.ListField(child=serializers.IntegerField())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="paid per 1 € staked")
    probability = serializers.FloatField(
        allow_null=True, help_text="what we gave that ticket (null for a line that is not a whole ticket: a bonus)"
    )
    edge = serializers.FloatField(allow_null=True, help_text="probability × amount − 1")


class CombinationResultSerializer(serializers.Serializer):
    official = serializers.BooleanField()
    arrival = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="the finishing order, a list of saddle numbers per place (a dead heat shares one)",
    )
    paid = PaidLineSerializer(many=True, help_text="the combinations that came in and what each paid")


class RaceCombinationsSerializer(serializers.Serializer):
    race = RaceSerializer()
    phase = serializers.ChoiceField(choices=PHASES)
    bet_type = serializers.CharField()
    label = serializers.CharField()
    picks = serializers.IntegerField(help_text="horses on a ticket")
    ordered = serializers.BooleanField(help_text="the ticket's order matters")
    method = serializers.CharField(help_text=f"how the probabilities are computed ({METHOD}: Harville with γ/δ)")
    gamma = serializers.FloatField(help_text="Harville exponent of second place (the version's calibration)")
    delta = serializers.FloatField(help_text="Harville exponent of third place and on")
    basis = serializers.ChoiceField(
        choices=["live", "published", "walk_forward"],
        allow_null=True,
        help_text="whose win probabilities, as the race card's `basis`; null = no prediction (no combinations)",
    )
    model_version = serializers.CharField(allow_null=True)
    scored_at = serializers.DateTimeField(allow_null=True)
    offered = serializers.ListField(child=serializers.CharField(), help_text="the combined bet types the race offers")
    offered_by = serializers.ChoiceField(
        choices=[BY_RAPPORTS, BY_PROGRAMME, BY_FIELD],
        help_text="what says so: its rapports, the pools its programme sells, else its field's size",
    )
    runners = serializers.IntegerField(help_text="the runners priced (non-partants removed)")
    combinations = CombinationSerializer(many=True)
    result = CombinationResultSerializer(allow_null=True, help_text="after the race; else null")
