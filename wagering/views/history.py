"""``GET predictions/history``: past predictions beside what happened, with each runner's 1-unit profit."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.schema import page_of

from ..selectors import prediction_history
from ..serializers.history import HistoryParams, HistoryRaceSerializer


class HistoryView(TurfAPIView):
    required_feature = "history"
    query_params = HistoryParams

    @extend_schema(
        summary="Past predictions with their outcome and each race's log loss",
        parameters=[HistoryParams],
        responses={
            200: page_of(
                "HistoryPage",
                HistoryRaceSerializer(many=True),
                window=inline_serializer(
                    "HistoryWindow", {"start": serializers.DateField(), "end": serializers.DateField()}
                ),
            )
        },
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        races = prediction_history(
            start=params["start"],
            end=params["end"],
            discipline=params.get("discipline"),
            racecourse=params.get("racecourse"),
        )
        window = {"start": params["start"].isoformat(), "end": params["end"].isoformat()}
        return page(races, params, serializer=HistoryRaceSerializer, window=window)
