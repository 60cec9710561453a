"""The CSV export's query."""

from django.utils import timezone
from rest_framework import serializers

from turf.params import check_window
from turf.serializers import DayField


class ExportParams(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["predictions", "bets"],
        default="predictions",
        help_text="predictions (default): every runner's prediction; bets: the reference backtest's settled bets",
    )
    date = DayField(required=False, help_text="one day; default today (or give start and end)")
    start = DayField(required=False, help_text="first day of a window, with end")
    end = DayField(required=False, help_text="last day of a window, with start")

    def validate(self, attrs):
        date, start, end = attrs.get("date"), attrs.get("start"), attrs.get("end")
        if date and (start or end):
            raise serializers.ValidationError({"date": "give either date, or start and end, not both."})
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: "give start and end together (or date alone)."})
        if start is None:
            start = end = date or timezone.localdate()
        check_window(start, end)
        attrs.update(start=start, end=end)
        return attrs
