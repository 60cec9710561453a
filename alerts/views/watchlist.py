"""The watchlist: what a user follows (horses, jockeys and drivers, trainers, racecourses, races)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.pagination import LazyRows, page
from turf.params import PageParams
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from ..selectors.watchlist import watchlist_list, watchlist_rows
from ..serializers.watchlist import WatchlistEntrySerializer, WatchlistFollowSerializer
from ..services.watchlist import watchlist_entry_create, watchlist_entry_delete


class WatchlistView(TurfAPIView):
    """Your watchlist: follow what `GET search` finds, within your plan's number of entries."""

    required_feature = "watchlist"
    query_params = PageParams

    @extend_schema(
        summary="What you follow, newest first",
        parameters=[PageParams],
        responses={200: page_of("WatchlistPage", WatchlistEntrySerializer(many=True))},
        tags=["watchlist"],
    )
    def get(self, request):
        entries = LazyRows(watchlist_list(user=request.user), watchlist_rows)
        return page(entries, self.params, serializer=WatchlistEntrySerializer)

    @extend_schema(
        summary="Follow a horse, a jockey or driver, a trainer, a racecourse or a race",
        description="`201` with the new entry; `200` with the existing entry when you follow it already (following "
        "twice is harmless). A plan keeps a number of entries (free 5, premium 50, pro 500: the plan's "
        "`watchlist_limit`); past it, a `403` naming your plan, its limit and the plan that keeps more.",
        request=WatchlistFollowSerializer,
        responses={
            201: WatchlistEntrySerializer,
            200: OpenApiResponse(WatchlistEntrySerializer, description="You follow it already: the existing entry."),
        },
        tags=["watchlist"],
    )
    def post(self, request):
        data = WatchlistFollowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = watchlist_entry_create(
            user=request.user, kind=data.validated_data["type"], target_id=data.validated_data["id"]
        )
        body = WatchlistEntrySerializer(watchlist_rows([entry])[0]).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WatchlistEntryView(TurfAPIView):
    """One entry of your watchlist."""

    required_feature = "watchlist"

    @extend_schema(
        summary="Unfollow: delete one of your watchlist entries",
        parameters=[id_parameter("entry_id")],
        responses={204: None},
        tags=["watchlist"],
    )
    def delete(self, request, entry_id: str):
        watchlist_entry_delete(user=request.user, entry_id=path_id("entry_id", entry_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("watchlist", WatchlistView.as_view(), name="watchlist"),
    path("watchlist/<str:entry_id>", WatchlistEntryView.as_view(), name="watchlist-entry"),
]
