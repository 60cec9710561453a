"""The bankroll tracker (a subscriber's own bets; nobody sees anybody else's) and the prediction history."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from billing.models import Feature
from courses.models import Discipline
from turf.apiviews import PageParams, TurfAPIView, paginated

from .history import prediction_history
from .models import UserBet, UserBetStatus, UserBetType
from .services.bankroll import user_bet_create, user_bet_delete, user_bets_summary


class UserBetCreateSerializer(serializers.Serializer):
    race_id = serializers.IntegerField(min_value=1)
    saddle_number = serializers.IntegerField(min_value=1, max_value=99)
    bet_type = serializers.ChoiceField(choices=UserBetType.choices)
    stake = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    odds = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("1.01"),
        max_value=Decimal("999999"),
        help_text="the decimal odds you took",
    )


class BetListParams(PageParams):
    status = serializers.ChoiceField(choices=UserBetStatus.choices, required=False)


class UserBetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    race_id = serializers.IntegerField(source="runner.race_id")
    date = serializers.DateField(source="runner.race.meeting.date")
    race_code = serializers.CharField(source="runner.race.code")
    racecourse = serializers.CharField(source="runner.race.meeting.racecourse.name")
    saddle_number = serializers.IntegerField(source="runner.saddle_number")
    horse = serializers.CharField(source="runner.horse.name")
    bet_type = serializers.CharField()
    stake = serializers.DecimalField(max_digits=10, decimal_places=2)
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    status = serializers.CharField()
    returned = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    profit = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    placed_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)


def _own_bets(user):
    return UserBet.objects.filter(user=user).select_related("runner__race__meeting__racecourse", "runner__horse")


class BetsView(TurfAPIView):
    required_feature = Feature.BANKROLL
    get_params = BetListParams

    @extend_schema(
        summary="Your recorded bets",
        parameters=[BetListParams],
        responses={200: UserBetSerializer(many=True)},
        tags=["bankroll"],
    )
    def get(self, request):
        params = self.params
        bets = _own_bets(request.user)
        if params.get("status"):
            bets = bets.filter(status=params["status"])
        total = bets.count()
        page = bets[params["offset"] : params["offset"] + params["limit"]]
        return paginated(
            UserBetSerializer(page, many=True).data, total=total, limit=params["limit"], offset=params["offset"]
        )

    @extend_schema(
        summary="Record a bet you placed (before the race)",
        request=UserBetCreateSerializer,
        responses={201: UserBetSerializer},
        tags=["bankroll"],
    )
    def post(self, request):
        data = UserBetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bet = user_bet_create(user=request.user, **data.validated_data)
        return Response(UserBetSerializer(_own_bets(request.user).get(pk=bet.pk)).data, status=status.HTTP_201_CREATED)


class BetDetailView(TurfAPIView):
    required_feature = Feature.BANKROLL

    @extend_schema(
        summary="Withdraw one of your bets before its race",
        tags=["bankroll"],
        parameters=[OpenApiParameter("bet_id", int, OpenApiParameter.PATH)],
        responses={204: None},
    )
    def delete(self, request, bet_id: int):
        user_bet_delete(user=request.user, bet_id=bet_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BetSummaryView(TurfAPIView):
    required_feature = Feature.BANKROLL

    @extend_schema(
        summary="Your profit and loss, ROI and drawdown",
        tags=["bankroll"],
        responses={
            200: inline_serializer(
                "BetSummary",
                {
                    "bets": serializers.IntegerField(),
                    "by_status": serializers.DictField(),
                    "staked": serializers.DecimalField(max_digits=14, decimal_places=2),
                    "returned": serializers.DecimalField(max_digits=14, decimal_places=2),
                    "profit": serializers.DecimalField(max_digits=14, decimal_places=2),
                    "roi": serializers.FloatField(allow_null=True),
                    "max_drawdown": serializers.DecimalField(max_digits=14, decimal_places=2),
                    "open_stake": serializers.DecimalField(max_digits=14, decimal_places=2),
                },
            )
        },
    )
    def get(self, request):
        return Response(user_bets_summary(user=request.user))


class HistoryParams(PageParams):
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False)
    racecourse = serializers.CharField(required=False, max_length=40, help_text="racecourse code, e.g. VIN")

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": "must be on or before end."})
        return attrs


class HistoryView(TurfAPIView):
    required_feature = Feature.HISTORY
    get_params = HistoryParams

    @extend_schema(
        summary="Past predictions with their outcome and each race's log loss",
        parameters=[HistoryParams],
        responses={200: OpenApiResponse(description="a page of finished races with runners")},
        tags=["predictions"],
    )
    def get(self, request):
        params = self.params
        races, total = prediction_history(
            start=params["start"],
            end=params["end"],
            limit=params["limit"],
            offset=params["offset"],
            discipline=params.get("discipline"),
            racecourse=params.get("racecourse"),
        )
        return paginated(races, total=total, limit=params["limit"], offset=params["offset"])
