"""Webhooks for integrators (pro): register, list, read, delete, their deliveries, a test event."""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.params import PageParams
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from ..selectors.webhooks import webhook_delivery_list, webhook_get, webhook_list
from ..serializers.webhooks import (
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from ..services.webhooks import webhook_create, webhook_delete, webhook_test_send

TAGS = ["webhooks"]


class WebhooksView(TurfAPIView):
    """Your webhook endpoints: each receives the events it lists, signed with its secret (see the README)."""

    required_feature = "webhooks"
    query_params = PageParams

    @extend_schema(
        summary="Your webhook endpoints (never their secrets)",
        parameters=[PageParams],
        responses={200: page_of("WebhookPage", WebhookSerializer(many=True))},
        tags=TAGS,
    )
    def get(self, request):
        return page(webhook_list(user=request.user), self.params, serializer=WebhookSerializer)

    @extend_schema(
        summary="Register a webhook endpoint: its signing secret is in this answer only",
        description=(
            "The URL must be https and resolve to public addresses only (checked again at every delivery); "
            f"at most {settings.TURF_WEBHOOK_MAX_ENDPOINTS} endpoints per account."
        ),
        request=WebhookCreateSerializer,
        responses={
            201: WebhookCreatedSerializer,
            409: OpenApiResponse(description="You hold as many endpoints as an account may."),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = webhook_create(user=request.user, url=data.validated_data["url"], events=data.validated_data["events"])
        body = {**WebhookSerializer(new.endpoint).data, "secret": new.secret}
        response = Response(WebhookCreatedSerializer(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
        return response


class WebhookDetailView(TurfAPIView):
    """One of your webhook endpoints."""

    required_feature = "webhooks"

    @extend_schema(
        summary="One of your webhook endpoints",
        parameters=[id_parameter("webhook_id")],
        responses={200: WebhookSerializer},
        tags=TAGS,
    )
    def get(self, request, webhook_id: str):
        endpoint = webhook_get(user=request.user, webhook_id=path_id("webhook_id", webhook_id))
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(
        summary="Delete one of your webhook endpoints and its deliveries' log",
        parameters=[id_parameter("webhook_id")],
        responses={204: None},
        tags=TAGS,
    )
    def delete(self, request, webhook_id: str):
        webhook_delete(user=request.user, webhook_id=path_id("webhook_id", webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(TurfAPIView):
    """What was sent to one of your endpoints and how it went."""

    required_feature = "webhooks"
    query_params = PageParams

    @extend_schema(
        summary="The deliveries of one of your endpoints, newest first: status, attempts, response, timing",
        parameters=[id_parameter("webhook_id"), PageParams],
        responses={200: page_of("WebhookDeliveryPage", WebhookDeliverySerializer(many=True))},
        tags=TAGS,
    )
    def get(self, request, webhook_id: str):
        endpoint = webhook_get(user=request.user, webhook_id=path_id("webhook_id", webhook_id))
        return page(webhook_delivery_list(endpoint=endpoint), self.params, serializer=WebhookDeliverySerializer)


class WebhookTestView(TurfAPIView):
    """Send a test event to one of your endpoints."""

    required_feature = "webhooks"

    @extend_schema(
        summary="Send a webhook.test event to one of your endpoints now",
        description=(
            "Queued at once and retried as any delivery; read its outcome in the deliveries. A test event delivered "
            "to a disabled endpoint makes it active again."
        ),
        parameters=[id_parameter("webhook_id")],
        request=None,
        responses={202: WebhookDeliverySerializer},
        tags=TAGS,
    )
    def post(self, request, webhook_id: str):
        delivery = webhook_test_send(user=request.user, webhook_id=path_id("webhook_id", webhook_id))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks", WebhooksView.as_view(), name="webhooks"),
    path("webhooks/<str:webhook_id>", WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<str:webhook_id>/deliveries", WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
    path("webhooks/<str:webhook_id>/test", WebhookTestView.as_view(), name="webhook-test"),
]
