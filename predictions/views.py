"""Prediction endpoints: race cards, top picks, the day's predictions; the model registry."""

from __future__ import annotations

import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from courses.models import Race
from courses.selectors import RACE_ADDRESS_PATTERN, RaceAddressError
from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.params import DayPageParams, DayParams, PageParams
from turf.schema import page_of
from turf.serializers import path_id

from . import selectors
from . import serializers as s
from .models import ModelVersion


def _card_response(card: dict) -> Response:
    return Response(s.RaceCardSerializer(card).data)


class RacePredictionsView(TurfAPIView):
    required_feature = "race_predictions"
    serves_predictions = "race_card"
    answer_cached = True
    query_params = DayParams

    @extend_schema(
        summary="One race's card with every runner's probabilities, by its address on a day",
        description="Before the off the card shows the active model's current prediction; once the race has gone "
        "off, what was published before it (`basis`), and a finished race's arrival and rapports (`result`). "
        "`code` is the race's réunion-course address on `date`: `R1C3`, `r1c3` or `1-3` for réunion 1, "
        "course 3. Anything else is a 400, a bare number too (`42`: R4C2, or a race's id?); a race's `id`, as "
        "`courses/today` lists it, has its own route: `courses/race/{race_id}/predictions`.",
        parameters=[
            DayParams,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=RACE_ADDRESS_PATTERN),
        ],
        responses={200: s.RaceCardSerializer},
        tags=["predictions"],
    )
    def get(self, request, code: str):
        try:
            card = selectors.race_card(day=self.params["date"], code=code)
        except RaceAddressError as exc:
            raise ValidationError({"code": f"{exc} A race's id goes to courses/race/{{id}}/predictions."}) from None
        except Race.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return _card_response(card)


class RaceByIdPredictionsView(TurfAPIView):
    required_feature = "race_predictions"
    serves_predictions = "race_card"
    answer_cached = True

    @extend_schema(
        summary="One race's card with every runner's probabilities, by the race's id",
        parameters=[
            OpenApiParameter(
                "race_id", int, OpenApiParameter.PATH, description="the race's `id`, as `courses/today` lists it"
            )
        ],
        responses={200: s.RaceCardSerializer},
        tags=["predictions"],
    )
    def get(self, request, race_id: str):
        try:
            card = selectors.race_card_by_id(race_id=path_id("race_id", race_id))
        except Race.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return _card_response(card)


class Top3View(TurfAPIView):
    required_feature = "top3"
    serves_predictions = "top3"
    answer_cached = True
    query_params = s.Top3Params

    @extend_schema(
        summary="The day's strongest selections: each race's top pick, highest win probability first",
        description="Only races still to come (not gone off) are listed; `skipped` counts the day's others. "
        "Free plan: one call a day, whatever its page.",
        parameters=[s.Top3Params],
        responses={
            200: page_of(
                "PickPage", s.PickSerializer(many=True), date=serializers.DateField(), skipped=s.skipped_field()
            )
        },
        tags=["predictions"],
    )
    def get(self, request):
        params, now = self.params, timezone.now()
        picks = selectors.top_pick_rows(day=params["date"], now=now)
        skipped = selectors.races_skipped(day=params["date"], now=now)
        return page(picks, params, serializer=s.PickSerializer, date=params["date"].isoformat(), skipped=skipped)


class AllPredictionsView(TurfAPIView):
    required_feature = "predictions_all"
    serves_predictions = "all"
    answer_cached = True
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


class ModelVersionListView(TurfAPIView):
    required_feature = "models"
    query_params = PageParams

    @extend_schema(
        summary="The model registry: every version, the newest first",
        description="Each version's kind, status (`active`: the one the API serves), training window and data "
        "sets, its figures on the held-out races after its training beside the market's on the same races (race "
        "log loss, pseudo-R², Brier, top-1), the features it reads, when it was created and promoted, and "
        "whether it is a `rerun` (trained on the same input as the version active then: promoted only if "
        "strictly better). The nightly retrain stores no version when nothing changed since the active one.",
        parameters=[PageParams],
        responses={200: page_of("ModelVersionPage", s.ModelVersionSerializer(many=True))},
        tags=["predictions"],
    )
    def get(self, request):
        return page(selectors.model_version_rows(), self.params, serializer=s.ModelVersionSerializer)


class ModelVersionDetailView(TurfAPIView):
    required_feature = "models"

    @extend_schema(
        summary="One model version of the registry, by its name",
        parameters=[
            OpenApiParameter(
                "version",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=selectors.VERSION_PATTERN,
                description='the version\'s name, as the list gives it, e.g. "market-baseline-1"',
            )
        ],
        responses={200: inline_serializer("ModelVersionAnswer", {"data": s.ModelVersionSerializer()})},
        tags=["predictions"],
    )
    def get(self, request, version: str):
        if not re.fullmatch(selectors.VERSION_PATTERN, version):
            raise ValidationError({"version": "not a version's name: letters, digits and . _ + -, 60 at most."})
        try:
            row = selectors.model_version_detail(version=version)
        except ModelVersion.DoesNotExist:
            raise NotFound(f"no model version {version!r}.") from None
        return Response({"data": s.ModelVersionSerializer(row).data})
