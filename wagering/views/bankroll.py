"""The bankroll tracker: a subscriber's own bets (nobody sees anybody else's)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.audit import request_address
from turf.pagination import page
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from ..models import UserBet
from ..serializers.bankroll import BetListParams, UserBetCreateSerializer, UserBetSerializer
from ..services.bankroll import user_bet_create, user_bet_delete, user_bets_summary


def _own_bets(user):
    return UserBet.objects.filter(user=user).select_related("runner__race__meeting__racecourse", "runner__horse")


class BetsView(TurfAPIView):
    required_feature = "bankroll"
    query_params = BetListParams

    @extend_schema(
        summary="Your recorded bets",
        parameters=[BetListParams],
        responses={200: page_of("UserBetPage", UserBetSerializer(many=True))},
        tags=["bankroll"],
    )
    def get(self, request):
        params = self.params
        bets = _own_bets(request.user)
        if params.get("status"):
            bets = bets.filter(status=params["status"])
        return page(bets, params, serializer=UserBetSerializer)

    @extend_schema(
        summary="Record a bet you placed (before the race)",
        request=UserBetCreateSerializer,
        responses={
            201: UserBetSerializer,
            409: OpenApiResponse(
                description="`limit_exceeded`: the bet would pass one of your betting limits (the message names it, "
                "its amount and period, and what remains); nothing is recorded."
            ),
        },
        tags=["bankroll"],
    )
    def post(self, request):
        data = UserBetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bet = user_bet_create(user=request.user, address=request_address(request), **data.validated_data)
        return Response(UserBetSerializer(_own_bets(request.user).get(pk=bet.pk)).data, status=status.HTTP_201_CREATED)


class BetDetailView(TurfAPIView):
    required_feature = "bankroll"

    @extend_schema(
        summary="Withdraw one of your bets before its race",
        tags=["bankroll"],
        parameters=[id_parameter("bet_id")],
        responses={
            204: None,
            409: OpenApiResponse(description="The race has started or is over: the bet can no longer be withdrawn."),
        },
    )
    def delete(self, request, bet_id: str):
        user_bet_delete(user=request.user, bet_id=path_id("bet_id", bet_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BetSummaryView(TurfAPIView):
    required_feature = "bankroll"

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
