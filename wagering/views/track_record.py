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

from ..services.track_record import day_results


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
