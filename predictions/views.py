"""Prediction endpoints: race cards, top picks, the day's predictions."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from courses.models import Race
from courses.serializers import RaceSerializer
from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.params import DayPageParams, DayParams
from turf.schema import page_of

from . import selectors
from . import serializers as s


class RacePredictionsView(TurfAPIView):
    required_feature = "race_predictions"
    query_params = DayParams

    @extend_schema(
        summary="One race's card with every runner's probabilities",
        description="`code` is the race's réunion-course address: `1-3`, `R1-C3` or `R1C3` for R1C3.",
        parameters=[DayParams, OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            200: inline_serializer(
                "RaceCard",
                {
                    "race": RaceSerializer(),
                    "model_version": serializers.CharField(allow_null=True),
                    "data": s.RunnerPredictionSerializer(many=True),
                },
            )
        },
        tags=["predictions"],
    )
    def get(self, request, code: str):
        params = self.params
        try:
            card = selectors.race_card(day=params["date"], code=code)
        except (ValueError, Race.DoesNotExist) as exc:
            raise NotFound(str(exc)) from None
        return Response(
            {
                "race": RaceSerializer(card["race"]).data,
                "model_version": card["model_version"],
                "data": s.RunnerPredictionSerializer(card["rows"], many=True).data,
            }
        )


class Top3View(TurfAPIView):
    required_feature = "top3"
    query_params = s.Top3Params

    @extend_schema(
        summary="The day's strongest selections: each race's top pick, highest win probability first",
        description="Free plan: one call a day, whatever its page.",
        parameters=[s.Top3Params],
        responses={200: page_of("PickPage", s.PickSerializer(many=True), date=serializers.DateField())},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        picks = selectors.top_pick_rows(day=params["date"])
        return page(picks, params, serializer=s.PickSerializer, date=params["date"].isoformat())


class AllPredictionsView(TurfAPIView):
    required_feature = "predictions_all"
    query_params = DayPageParams

    @extend_schema(
        summary="Every runner's prediction for the day",
        parameters=[DayPageParams],
        responses={
            200: page_of(
                "PredictionPage",
                s.PredictionRowSerializer(many=True),
                date=serializers.DateField(),
                model_version=serializers.CharField(allow_null=True),
            )
        },
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        rows, version = selectors.prediction_rows(day=params["date"])
        return page(
            rows,
            params,
            serializer=s.PredictionRowSerializer,
            date=params["date"].isoformat(),
            model_version=version,
        )
