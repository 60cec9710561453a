"""``GET metrics``: the quality and value-bet ROI of the predictions made before the last days' races, beside the
market's at the same moment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response

from turf.apiviews import TurfAPIView

from .. import selectors
from ..serializers import metrics as s


class MetricsView(TurfAPIView):
    required_feature = "metrics"
    answer_cached = True
    query_params = s.MetricsParams

    @extend_schema(
        summary="Quality of the predictions made before the last days' races, beside the market at the same moment",
        description="Each race is judged by the prediction published at its off, else (a race never live) by the "
        "latest model version trained before its day, whatever model is active now; the market is its "
        "probability from the odds that prediction saw. `races_skipped` says which races were left out and why, "
        "`basis` how many were judged on published and on walk-forward predictions.",
        parameters=[s.MetricsParams],
        responses={200: inline_serializer("MetricsAnswer", {"data": s.MetricsSerializer()})},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        end = timezone.localdate() - dt.timedelta(days=1)
        start = end - dt.timedelta(days=params["days"] - 1)
        metrics = selectors.metrics_compute(start=start, end=end)
        window = {"start": start.isoformat(), "end": end.isoformat(), "days": params["days"]}
        return Response({"data": {"window": window, **metrics}})
