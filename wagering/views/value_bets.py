"""``GET valuebets``: the day's value bets."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from turf.apiviews import TurfAPIView, paginated

from .. import selectors
from ..serializers import value_bets as s


class ValueBetsView(TurfAPIView):
    required_feature = "valuebets"
    get_params = s.ValueBetParams

    @extend_schema(
        summary="Runners whose probability beats their odds",
        parameters=[s.ValueBetParams],
        responses={200: s.ValueBetSerializer(many=True)},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        bets = selectors.value_bet_list(day=params["date"], min_odds=params["min_odds"], edge=params["edge"])
        page = bets[params["offset"] : params["offset"] + params["limit"]]
        return paginated(
            s.ValueBetSerializer(page, many=True).data,
            total=len(bets),
            limit=params["limit"],
            offset=params["offset"],
            date=params["date"].isoformat(),
        )
