"""``GET predictions/history``: past predictions beside what happened, with each runner's 1-unit profit."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

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
        responses={200: page_of("HistoryPage", HistoryRaceSerializer(many=True))},
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
        return page(races, params, serializer=HistoryRaceSerializer)
