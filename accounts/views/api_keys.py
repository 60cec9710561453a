"""API keys for scripts: create, list, revoke."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.audit import request_address
from turf.pagination import page
from turf.params import PageParams
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from ..permissions import NotByApiKey
from ..serializers.api_keys import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer
from ..services.api_keys import ACTIVE_KEYS_MAX, api_key_create, api_key_list, api_key_revoke


class ApiKeysView(TurfAPIView):
    """Named keys for scripts (premium and pro): `X-API-Key` authenticates as you, under your plan's gate and limits."""

    permission_classes = [*TurfAPIView.permission_classes, NotByApiKey]
    required_feature = "api_keys"
    query_params = PageParams

    @extend_schema(
        summary="Your API keys (never the keys themselves)",
        parameters=[PageParams],
        responses={200: page_of("ApiKeyPage", ApiKeySerializer(many=True))},
        tags=["api keys"],
    )
    def get(self, request):
        return page(api_key_list(user=request.user), self.params, serializer=ApiKeySerializer)

    @extend_schema(
        summary="Create a named API key: the key is in this answer only",
        description=f"Send it as `X-API-Key: turf_…`. At most {ACTIVE_KEYS_MAX} active keys per account.",
        request=ApiKeyCreateSerializer,
        responses={
            201: ApiKeyCreatedSerializer,
            409: OpenApiResponse(description=f"You hold {ACTIVE_KEYS_MAX} active keys already."),
        },
        tags=["api keys"],
    )
    def post(self, request):
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = api_key_create(user=request.user, name=data.validated_data["name"], address=request_address(request))
        body = {**ApiKeySerializer(new.api_key).data, "key": new.key}
        return Response(ApiKeyCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(TurfAPIView):
    """One of your API keys."""

    permission_classes = [*TurfAPIView.permission_classes, NotByApiKey]
    required_feature = "api_keys"

    @extend_schema(
        summary="Revoke one of your API keys: it stops working at once",
        parameters=[id_parameter("key_id")],
        responses={204: None},
        tags=["api keys"],
    )
    def delete(self, request, key_id: str):
        api_key_revoke(user=request.user, key_id=path_id("key_id", key_id), address=request_address(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/api-keys", ApiKeysView.as_view(), name="auth-api-keys"),
    path("auth/api-keys/<str:key_id>", ApiKeyDetailView.as_view(), name="auth-api-key"),
]
