"""Race endpoints: the day's programme; the live sources' freshness."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from turf.apiviews import PublicAPIView, TurfAPIView
from turf.pagination import page
from turf.schema import page_of

from .health import configured_feed, data_source_list
from .search import KINDS, search
from .selectors import race_list
from .serializers import DataSourceSerializer, RaceListParams, RaceSerializer, SearchItemSerializer, SearchParams


class TodayRacesView(TurfAPIView):
    required_feature = "courses"
    answer_cached = True
    query_params = RaceListParams

    @extend_schema(
        summary="The day's races",
        parameters=[RaceListParams],
        responses={
            200: page_of(
                "RacePage",
                RaceSerializer(many=True),
                date=serializers.DateField(),
                filter=serializers.ChoiceField(choices=RaceListParams.FILTERS),
            )
        },
        tags=["courses"],
    )
    def get(self, request):
        params = self.params
        return page(
            race_list(day=params["date"], race_filter=params["filter"]),
            params,
            serializer=RaceSerializer,
            date=params["date"].isoformat(),
            filter=params["filter"],
        )


class SearchView(TurfAPIView):
    """Horses, jockeys and drivers, trainers, racecourses and races by name: what `POST watchlist` follows."""

    required_feature = "courses"
    query_params = SearchParams

    @extend_schema(
        summary="Find horses, people, racecourses and races by name",
        description="Accent- and case-insensitive (`Cheri` finds `Chéri`), near spellings too on PostgreSQL; best "
        "match first, at most 50 of each kind. A race is found by its name or by today's address (`R1C3`).",
        parameters=[SearchParams],
        responses={200: page_of("SearchPage", SearchItemSerializer(many=True), q=serializers.CharField())},
        tags=["courses"],
    )
    def get(self, request):
        params = self.params
        kinds = (params["type"],) if params.get("type") else KINDS
        items = search(q=params["q"], day=timezone.localdate(), kinds=kinds)
        return page(items, params, serializer=SearchItemSerializer, q=params["q"])


class DataSourcesView(PublicAPIView):
    """Public: each live source's last successful fetch, last error, today's races, pending checks, staleness."""

    @extend_schema(
        summary="Freshness of the racing data sources",
        responses={
            200: inline_serializer(
                "DataSources",
                {
                    "feed": serializers.CharField(help_text="the configured feed (TURF_FEED): demo, pmu or off"),
                    "sources": DataSourceSerializer(many=True),
                    "time": serializers.DateTimeField(),
                },
            )
        },
        tags=["health"],
    )
    def get(self, request):
        now = timezone.now()
        sources = data_source_list(now=now)
        return Response(
            {
                "feed": configured_feed() or "off",
                "sources": DataSourceSerializer(sources, many=True).data,
                "time": now.isoformat(),
            }
        )
