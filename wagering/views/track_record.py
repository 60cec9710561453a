"""``GET track-record`` and ``track-record/{date}``: the public, hash-chained record of what Turf published before
each off, with the results beside it. Open to anyone (rate-limited per address): it is the shop window.

The lines are served exactly as hashed (``predictions.services.track_record``), so that anyone can recompute a day's
hash and the chain (the README's recipe)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from predictions.models import RecordChain, TrackRecordDay
from predictions.services.track_record import chain_days, day_lines
from turf.apiviews import PublicAPIView
from turf.pagination import page
from turf.params import PageParams, check_window
from turf.schema import page_of
from turf.serializers import DayField

from ..services.track_record import day_results, record_performance


def _chain_field():
    return serializers.ChoiceField(
        choices=RecordChain.values,
        default=RecordChain.REAL,
        help_text="real (default): real races only; demo: the synthetic demo programme's own chain",
    )


class TrackRecordParams(PageParams):
    start = DayField(required=False, help_text="first day, YYYY-MM-DD")
    end = DayField(required=False, help_text="last day, YYYY-MM-DD")
    chain = _chain_field()

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end"):
            check_window(attrs["start"], attrs["end"])
        return attrs


class TrackRecordChainParams(serializers.Serializer):
    chain = _chain_field()


class TrackRecordDaySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    races = serializers.IntegerField()
    runners = serializers.IntegerField()
    lines_hash = serializers.CharField(help_text='sha256 of the day\'s lines joined by "\\n", hex')
    previous_day_hash = serializers.CharField()
    day_hash = serializers.CharField(help_text="sha256(previous_day_hash + lines_hash), hex")
    closed_at = serializers.DateTimeField()


class TrackRecordView(PublicAPIView):
    query_params = TrackRecordParams

    @extend_schema(
        summary="The public track record: each closed day's hash, newest first",
        parameters=[TrackRecordParams],
        responses={200: page_of("TrackRecordPage", TrackRecordDaySerializer(many=True), chain=serializers.CharField())},
        tags=["track record"],
        auth=[],
    )
    def get(self, request):
        params = self.params
        days = chain_days(chain=params["chain"], start=params.get("start"), end=params.get("end"))
        return page(days, params, serializer=TrackRecordDaySerializer, chain=params["chain"])


class TrackRecordDayView(PublicAPIView):
    query_params = TrackRecordChainParams

    @extend_schema(
        summary="One closed day of the track record: its lines exactly as hashed, and the results beside them",
        parameters=[
            TrackRecordChainParams,
            OpenApiParameter("day", {"type": "string", "format": "date"}, OpenApiParameter.PATH),
        ],
        responses={
            200: inline_serializer(
                "TrackRecordDayLines",
                {
                    "chain": serializers.CharField(),
                    "date": serializers.DateField(),
                    "lines_hash": serializers.CharField(),
                    "previous_day_hash": serializers.CharField(),
                    "day_hash": serializers.CharField(),
                    "lines": serializers.ListField(child=serializers.CharField()),
                    "results": serializers.ListField(child=serializers.DictField()),
                },
            ),
            404: OpenApiResponse(description="The day is not closed (or has nothing published)."),
        },
        tags=["track record"],
        auth=[],
    )
    def get(self, request, day: str):
        try:
            date = DayField().run_validation(day)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"day": exc.detail}) from None
        chain = self.params["chain"]
        record = TrackRecordDay.objects.filter(chain=chain, day=date).first()
        if record is None:
            raise NotFound(f"{date} is not in the {chain} track record: not closed yet, or nothing was published.")
        return Response(
            {
                "chain": chain,
                "date": date.isoformat(),
                "lines_hash": record.lines_hash,
                "previous_day_hash": record.previous_day_hash,
                "day_hash": record.day_hash,
                "lines": day_lines(record),
                "results": day_results(record),
            }
        )


class _MoneySerializer(serializers.Serializer):
    bets = serializers.IntegerField()
    staked = serializers.CharField(help_text="€, level stakes of 1 € (a refund stakes nothing)")
    profit = serializers.CharField(help_text="€")
    roi = serializers.FloatField(allow_null=True)
    roi_ci95 = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="bootstrap 95% interval over races"
    )


class _LogLossDifferenceSerializer(serializers.Serializer):
    mean = serializers.FloatField()
    ci95 = serializers.ListField(child=serializers.FloatField())


class _LogLossMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    races = serializers.IntegerField()
    log_loss = serializers.FloatField()
    market_log_loss = serializers.FloatField()
    difference = _LogLossDifferenceSerializer()


class _BinSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    count = serializers.IntegerField()
    predicted = serializers.FloatField(allow_null=True)
    observed = serializers.FloatField(allow_null=True)


class _ValueBetMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    at_odds = _MoneySerializer()
    at_rapports = _MoneySerializer()


class _ValueBetsSerializer(serializers.Serializer):
    bets = serializers.IntegerField(help_text="value bets in the lines (published p × odds shown − 1 > 0, odds ≥ 2)")
    settled = serializers.IntegerField(help_text="those whose race finished")
    stake = serializers.CharField(required=False)
    at_odds = _MoneySerializer(help_text="settled at the odds the line shows")
    at_rapports = _MoneySerializer(help_text="settled at the PMU's simple gagnant rapports")
    by_month = _ValueBetMonthSerializer(many=True)


class TrackRecordPerformanceSerializer(serializers.Serializer):
    chain = serializers.CharField()
    races = serializers.IntegerField(help_text="finished races with a winner and the market's probability on each line")
    runners = serializers.IntegerField(required=False)
    log_loss = serializers.FloatField(required=False)
    market_log_loss = serializers.FloatField(required=False)
    difference = _LogLossDifferenceSerializer(required=False, help_text="Turf's log loss minus the market's")
    by_month = _LogLossMonthSerializer(many=True, required=False)
    calibration = _BinSerializer(many=True, required=False)
    value_bets = _ValueBetsSerializer()


class TrackRecordPerformanceView(PublicAPIView):
    query_params = TrackRecordChainParams

    @extend_schema(
        summary="How the record's frozen lines did: log loss against the market, calibration, value bets by month",
        description=(
            "Computed from the chain's frozen lines alone and the arrivals: race log loss of the published win "
            "probability against the market's at the same moment, by month with bootstrap 95% intervals; the "
            "calibration (reliability bins); and the value bets the lines held, 1 € each, settled at the odds "
            "shown and at the rapports, by month with the ROI's bootstrap 95% interval. chain=real (default): "
            "real races only; chain=demo: the synthetic demo's own chain, never mixed."
        ),
        parameters=[TrackRecordChainParams],
        responses={200: TrackRecordPerformanceSerializer},
        tags=["track record"],
        auth=[],
    )
    def get(self, request):
        return Response(TrackRecordPerformanceSerializer(record_performance(chain=self.params["chain"])).data)
