"""``GET export/csv``: the day's (or a window's) predictions or the reference backtest's bets, streamed as CSV."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema

from predictions.csv_export import csv_lines
from predictions.exports import PREDICTION_COLUMNS, prediction_export_rows
from turf.apiviews import TurfAPIView

from ..exports import BET_COLUMNS, bet_export_rows
from ..serializers import exports as s


class ExportCsvView(TurfAPIView):
    required_feature = "export_csv"
    query_params = s.ExportParams

    @extend_schema(
        summary="Stream predictions or backtest bets as CSV",
        parameters=[s.ExportParams],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["export"],
    )
    def get(self, request):
        params = self.params
        start, end = params["start"], params["end"]
        if params["type"] == "predictions":
            header, rows = PREDICTION_COLUMNS, prediction_export_rows(start=start, end=end)
        else:
            header, rows = BET_COLUMNS, bet_export_rows(start=start, end=end)
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="turf-{params["type"]}-{start}-{end}.csv"'
        return response
