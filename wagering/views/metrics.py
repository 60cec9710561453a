"""``GET metrics``: the model's quality and value-bet ROI over the last days, beside the market's."""

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
    query_params = s.MetricsParams

    @extend_schema(
        summary="Model quality over the last days, beside the market baseline",
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
