"""Prediction endpoints: race cards, top picks, the day's predictions, value bets, backtest, metrics, CSV."""

from __future__ import annotations

import datetime as dt

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from billing.models import Feature
from courses.models import Race
from courses.serializers import DayParams, RaceSerializer
from turf.apiviews import TurfAPIView, paginated

from . import selectors
from . import serializers as s
from .csv_export import csv_lines
from .exports import BET_COLUMNS, PREDICTION_COLUMNS, bet_export_rows, prediction_export_rows


class RacePredictionsView(TurfAPIView):
    required_feature = Feature.RACE_PREDICTIONS
    get_params = DayParams

    @extend_schema(
        summary="One race's card with every runner's probabilities",
        description="`code` is the race's réunion-course address: `1-3`, `R1-C3` or `R1C3` for R1C3.",
        parameters=[DayParams, OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            200: inline_serializer(
                "RaceCard",
                {
                    "race": RaceSerializer(),
                    "model_version": serializers.CharField(),
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
    required_feature = Feature.TOP3
    get_params = DayParams

    @extend_schema(
        summary="The day's three strongest selections",
        parameters=[DayParams],
        responses={200: s.PickSerializer(many=True)},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        picks = selectors.top_picks(day=params["date"], n=3)
        return paginated(
            s.PickSerializer(picks, many=True).data,
            total=len(picks),
            limit=3,
            offset=0,
            date=params["date"].isoformat(),
        )


class AllPredictionsView(TurfAPIView):
    required_feature = Feature.PREDICTIONS_ALL
    get_params = s.DayPageParams

    @extend_schema(
        summary="Every runner's prediction for the day",
        parameters=[s.DayPageParams],
        responses={200: s.PredictionRowSerializer(many=True)},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        rows, total, version = selectors.prediction_page(
            day=params["date"], limit=params["limit"], offset=params["offset"]
        )
        return paginated(
            s.PredictionRowSerializer(rows, many=True).data,
            total=total,
            limit=params["limit"],
            offset=params["offset"],
            date=params["date"].isoformat(),
            model_version=version,
        )


class ValueBetsView(TurfAPIView):
    required_feature = Feature.VALUEBETS
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


class BacktestView(TurfAPIView):
    required_feature = Feature.BACKTEST
    get_params = s.BacktestParams

    @extend_schema(
        summary="Settled bets of the default strategy (value bets, flat stake) and their summary",
        parameters=[s.BacktestParams],
        responses={200: s.BetSerializer(many=True)},
        tags=["backtest"],
    )
    def get(self, request):
        params = self.params
        result = selectors.backtest_run(
            start=params["start"], end=params["end"], min_odds=params["min_odds"], edge=params["edge"]
        )
        page = result["bets"][params["offset"] : params["offset"] + params["limit"]]
        return paginated(
            s.BetSerializer(page, many=True).data,
            total=len(result["bets"]),
            limit=params["limit"],
            offset=params["offset"],
            summary=result["summary"],
            model_version=result["model_version"],
            window={"start": params["start"].isoformat(), "end": params["end"].isoformat()},
            strategy={
                "bet_type": "simple_gagnant",
                "selection": "value bets",
                "edge": params["edge"],
                "min_odds": params["min_odds"],
                "staking": "flat 1",
            },
        )


class MetricsView(TurfAPIView):
    required_feature = Feature.METRICS
    get_params = s.MetricsParams

    @extend_schema(
        summary="Model quality over the last days, beside the market baseline",
        parameters=[s.MetricsParams],
        responses={200: OpenApiResponse(description="log loss, Brier, top-1, value-bet ROI: model and market")},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        end = timezone.localdate() - dt.timedelta(days=1)
        start = end - dt.timedelta(days=params["days"] - 1)
        metrics = selectors.metrics_compute(start=start, end=end)
        return Response(
            {"window": {"start": start.isoformat(), "end": end.isoformat(), "days": params["days"]}, **metrics}
        )


class ExportCsvView(TurfAPIView):
    required_feature = Feature.EXPORT_CSV
    get_params = s.ExportParams

    @extend_schema(
        summary="Stream predictions or backtest bets as CSV",
        parameters=[s.ExportParams],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["export"],
    )
    def get(self, request):
        params = self.params
        start, end = params["start"], params["end"]
        if params["type"] == "predictions":
            header, rows = PREDICTION_COLUMNS, prediction_export_rows(start=start, end=end)
        else:
            header, rows = BET_COLUMNS, bet_export_rows(start=start, end=end)
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="turf-{params["type"]}-{start}-{end}.csv"'
        return response
