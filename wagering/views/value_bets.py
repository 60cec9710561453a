"""``GET valuebets``: the day's value bets."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.schema import page_of

from .. import selectors
from ..serializers import value_bets as s


class ValueBetsView(TurfAPIView):
    required_feature = "valuebets"
    query_params = s.ValueBetParams

    @extend_schema(
        summary="Runners whose probability beats their odds",
        parameters=[s.ValueBetParams],
        responses={200: page_of("ValueBetPage", s.ValueBetSerializer(many=True), date=serializers.DateField())},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        bets = selectors.value_bet_list(day=params["date"], min_odds=params["min_odds"], edge=params["edge"])
        return page(bets, params, serializer=s.ValueBetSerializer, date=params["date"].isoformat())
