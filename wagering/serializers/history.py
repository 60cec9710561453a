"""The prediction history's query."""

from rest_framework import serializers

from courses.models import Discipline
from turf.params import PageParams, WindowParams


class HistoryParams(WindowParams, PageParams):
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False)
    racecourse = serializers.CharField(required=False, max_length=40, help_text="racecourse code, e.g. VIN")
