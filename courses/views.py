"""Race endpoints: the day's programme and one race's predictions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.schema import page_of

from .selectors import race_list
from .serializers import RaceListParams, RaceSerializer


class TodayRacesView(TurfAPIView):
    required_feature = "courses"
    query_params = RaceListParams

    @extend_schema(
        summary="The day's races",
        parameters=[RaceListParams],
        responses={
            200: page_of(
                "RacePage",
                RaceSerializer(many=True),
                date=serializers.DateField(),
                filter=serializers.ChoiceField(choices=RaceListParams.FILTERS),
            )
        },
        tags=["courses"],
    )
    def get(self, request):
        params = self.params
        return page(
            race_list(day=params["date"], race_filter=params["filter"]),
            params,
            serializer=RaceSerializer,
            date=params["date"].isoformat(),
            filter=params["filter"],
        )
