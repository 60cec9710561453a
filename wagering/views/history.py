"""``GET predictions/history``: past predictions beside what happened, with each runner's 1-unit profit."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema

from turf.apiviews import TurfAPIView, paginated

from ..selectors import prediction_history
from ..serializers.history import HistoryParams


class HistoryView(TurfAPIView):
    required_feature = "history"
    get_params = HistoryParams

    @extend_schema(
        summary="Past predictions with their outcome and each race's log loss",
        parameters=[HistoryParams],
        responses={200: OpenApiResponse(description="a page of finished races with runners")},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        races, total = prediction_history(
            start=params["start"],
            end=params["end"],
            limit=params["limit"],
            offset=params["offset"],
            discipline=params.get("discipline"),
            racecourse=params.get("racecourse"),
        )
        window = {"start": params["start"].isoformat(), "end": params["end"].isoformat()}
        return paginated(races, total=total, limit=params["limit"], offset=params["offset"], window=window)
