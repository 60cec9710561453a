"""Race endpoints: the day's programme and one race's predictions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from turf.apiviews import TurfAPIView, paginated

from .selectors import race_list
from .serializers import RaceListParams, RaceSerializer


class TodayRacesView(TurfAPIView):
    required_feature = "courses"
    get_params = RaceListParams

    @extend_schema(
        summary="The day's races",
        parameters=[RaceListParams],
        responses={200: RaceSerializer(many=True)},
        tags=["courses"],
    )
    def get(self, request):
        params = self.params
        races = race_list(day=params["date"], race_filter=params["filter"])
        total = races.count()
        limit, offset = params["limit"], params["offset"]
        page = races[offset : offset + limit]
        return paginated(
            RaceSerializer(page, many=True).data,
            total=total,
            limit=limit,
            offset=offset,
            date=params["date"].isoformat(),
            filter=params["filter"],
        )
