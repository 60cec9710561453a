"""``GET valuebets``: the day's value bets."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from predictions.selectors import races_skipped
from predictions.serializers import skipped_field
from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.schema import page_of

from .. import selectors
from ..serializers import value_bets as s


class ValueBetsView(TurfAPIView):
    required_feature = "valuebets"
    serves_predictions = "valuebets"
    answer_cached = True
    query_params = s.ValueBetParams

    @extend_schema(
        summary="Runners whose probability beats their odds",
        description="Only races still to come (not gone off) are read; `skipped` counts the day's others.",
        parameters=[s.ValueBetParams],
        responses={
            200: page_of(
                "ValueBetPage", s.ValueBetSerializer(many=True), date=serializers.DateField(), skipped=skipped_field()
            )
        },
        tags=["predictions"],
    )
    def get(self, request):
        params, now = self.params, timezone.now()
        day = params["date"]
        bets = selectors.value_bet_list(day=day, min_odds=params["min_odds"], edge=params["edge"], now=now)
        skipped = races_skipped(day=day, now=now)
        return page(bets, params, serializer=s.ValueBetSerializer, date=day.isoformat(), skipped=skipped)
