"""The prediction history's query."""

from rest_framework import serializers

from courses.models import Discipline
from turf.params import PageParams
from turf.serializers import DayField


class HistoryParams(PageParams):
    start = DayField()
    end = DayField()
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False)
    racecourse = serializers.CharField(required=False, max_length=40, help_text="racecourse code, e.g. VIN")

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": "must be on or before end."})
        return attrs
