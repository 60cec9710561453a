"""``GET courses/{race}/combinations``: a race's most likely combinations of a bet type, and what came in."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from courses.models import Race
from courses.selectors import RACE_ADDRESS_PATTERN, RaceAddressError
from predictions.selectors import race_card, race_card_by_id
from turf.apiviews import TurfAPIView
from turf.serializers import path_id

from ..selectors.combinations import BetTypeUnavailable, race_combinations
from ..serializers import combinations as s

DESCRIPTION = (
    "The `limit` most likely tickets of `bet_type` with their probability and fair rapport (1/p, before the "
    "pool's takeout), from the race card's win probabilities (non-partants removed, renormalised; before the off "
    "the active model's, after it what was published before it) by Harville with the model's fitted γ/δ. After "
    "the race: whether each ticket came in, what it paid and its edge (p × rapport − 1), and every paying line "
    "of the type. The race's offered types are its rapports', else its programme's, else every type its field "
    "allows; another is a 400 that names them."
)


def _answer(card: dict, params: dict) -> Response:
    try:
        answer = race_combinations(
            card=card, bet_type=params["bet_type"], limit=params["limit"], picks=params.get("picks")
        )
    except BetTypeUnavailable as exc:
        raise ValidationError({"bet_type": str(exc)}) from None
    return Response(s.RaceCombinationsSerializer(answer).data)


class RaceCombinationsView(TurfAPIView):
    required_feature = "combinations"
    serves_predictions = "combinations"
    answer_cached = True
    query_params = s.DayCombinationParams

    @extend_schema(
        summary="A race's most likely combinations of a bet type, by its address on a day",
        description=DESCRIPTION + " `code` is the race's address on `date` (`R1C3`), as for its predictions.",
        parameters=[
            s.DayCombinationParams,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=RACE_ADDRESS_PATTERN),
        ],
        responses={200: s.RaceCombinationsSerializer},
        tags=["predictions"],
    )
    def get(self, request, code: str):
        try:
            card = race_card(day=self.params["date"], code=code)
        except RaceAddressError as exc:
            raise ValidationError({"code": f"{exc} A race's id goes to courses/race/{{id}}/combinations."}) from None
        except Race.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return _answer(card, self.params)


class RaceByIdCombinationsView(TurfAPIView):
    required_feature = "combinations"
    serves_predictions = "combinations"
    answer_cached = True
    query_params = s.CombinationParams

    @extend_schema(
        summary="A race's most likely combinations of a bet type, by the race's id",
        description=DESCRIPTION,
        parameters=[
            s.CombinationParams,
            OpenApiParameter(
                "race_id", int, OpenApiParameter.PATH, description="the race's `id`, as `courses/today` lists it"
            ),
        ],
        responses={200: s.RaceCombinationsSerializer},
        tags=["predictions"],
    )
    def get(self, request, race_id: str):
        try:
            card = race_card_by_id(race_id=path_id("race_id", race_id))
        except Race.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return _answer(card, self.params)
