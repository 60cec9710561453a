"""The metrics' query and answer."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


class MetricsParams(serializers.Serializer):
    days = serializers.IntegerField(default=30, min_value=1, max_value=3660)


class MetricsSerializer(serializers.Serializer):
    window = inline_serializer(
        "MetricsWindow",
        {"start": serializers.DateField(), "end": serializers.DateField(), "days": serializers.IntegerField()},
    )
    model_version = serializers.CharField(
        allow_null=True,
        help_text="null: each race judged by the prediction made before it, whatever model is active now "
        "(see versions and basis)",
    )
    races = serializers.IntegerField(help_text="finished races scored")
    races_skipped = serializers.DictField(child=serializers.IntegerField(), help_text="races left out, by reason")
    basis = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="races scored on the prediction published at their off (published) and, for races never live, "
        "on the walk-forward one (walk_forward)",
    )
    versions = serializers.DictField(child=serializers.IntegerField(), help_text="races scored per model version")
    uniform_log_loss = serializers.FloatField(allow_null=True)
    model = serializers.DictField(
        allow_null=True,
        help_text="log loss, Brier, top-1, value bets (with their ROI) of the predictions made before the races",
    )
    market = serializers.DictField(
        allow_null=True,
        help_text="the same figures of the market at the same moment: its probability when each prediction was "
        "made (from the odds that prediction saw), not the final odds",
    )
