"""The CSV export's query."""

from rest_framework import serializers

from turf.params import DayField, check_window


class ExportParams(serializers.Serializer):
    type = serializers.ChoiceField(choices=["predictions", "bets"])
    date = DayField(required=False)
    start = DayField(required=False)
    end = DayField(required=False)

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
