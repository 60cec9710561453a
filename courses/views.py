"""Race endpoints: the day's programme and one race's predictions."""

from __future__ import annotations

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema

from billing.models import Feature
from turf.apiviews import TurfAPIView, paginated, parse_params

from .models import OBSTACLE_DISCIPLINES, TROT_DISCIPLINES, Discipline, RunnerStatus
from .selectors import race_list
from .serializers import RaceListParams, RaceSerializer

RACE_FILTERS = {
    "all": Q(),
    "quinte": Q(is_quinte=True),
    "trot": Q(discipline__in=TROT_DISCIPLINES),
    "plat": Q(discipline=Discipline.PLAT),
    "obstacle": Q(discipline__in=OBSTACLE_DISCIPLINES),
}


class TodayRacesView(TurfAPIView):
    required_feature = Feature.COURSES

    @extend_schema(
        summary="The day's races",
        parameters=[RaceListParams],
        responses={200: RaceSerializer(many=True)},
        tags=["courses"],
    )
    def get(self, request):
        params = parse_params(RaceListParams, request)
        races = race_list(day=params["date"]).filter(RACE_FILTERS[params["filter"]])
        total = races.count()
        limit, offset = params["limit"], params["offset"]
        page = races.annotate(
            runner_count=Count("runners", filter=~Q(runners__status=RunnerStatus.NON_PARTANT))
        )[offset : offset + limit]
        return paginated(
            RaceSerializer(page, many=True).data, total=total, limit=limit, offset=offset,
            date=params["date"].isoformat(), filter=params["filter"],
        )
