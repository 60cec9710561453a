"""A subscriber's in-app alerts (nobody sees anybody else's) and how they hear of each event type."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from turf.apiviews import TurfAPIView
from turf.pagination import page
from turf.schema import id_parameter, page_of
from turf.serializers import path_id

from ..selectors.alerts import alert_list, alert_preference_list, alert_unread_count
from ..serializers.alerts import (
    AlertListParams,
    AlertSerializer,
    AlertsReadSerializer,
    PreferenceListSerializer,
    PreferencesInSerializer,
)
from ..services.alerts import alert_preferences_set, alert_read, alerts_read_all


class AlertsView(TurfAPIView):
    required_feature = "alerts"
    query_params = AlertListParams

    @extend_schema(
        summary="Your alerts, newest first",
        parameters=[AlertListParams],
        responses={
            200: page_of(
                "AlertPage", AlertSerializer(many=True), unread=serializers.IntegerField(help_text="unread alerts")
            )
        },
        tags=["alerts"],
    )
    def get(self, request):
        params = self.params
        alerts = alert_list(user=request.user, unread=params["unread"])
        return page(alerts, params, serializer=AlertSerializer, unread=alert_unread_count(user=request.user))


class AlertReadView(TurfAPIView):
    required_feature = "alerts"

    @extend_schema(
        summary="Mark one of your alerts read",
        operation_id="alert_read",
        parameters=[id_parameter("alert_id")],
        request=None,
        responses={200: AlertSerializer},
        tags=["alerts"],
    )
    def post(self, request, alert_id: str):
        alert = alert_read(user=request.user, alert_id=path_id("alert_id", alert_id))
        return Response(AlertSerializer(alert).data)


class AlertsReadView(TurfAPIView):
    required_feature = "alerts"

    @extend_schema(
        summary="Mark all your alerts read",
        operation_id="alerts_read_all",
        request=None,
        responses={200: AlertsReadSerializer},
        tags=["alerts"],
    )
    def post(self, request):
        return Response({"read": alerts_read_all(user=request.user)})


class AlertPreferencesView(TurfAPIView):
    required_feature = "alerts"

    @extend_schema(
        summary="How you hear of each event type",
        responses={200: PreferenceListSerializer},
        tags=["alerts"],
    )
    def get(self, request):
        return Response({"data": alert_preference_list(user=request.user)})

    @extend_schema(
        summary="Choose how you hear of event types (those not given are left as they are)",
        request=PreferencesInSerializer,
        responses={200: PreferenceListSerializer},
        tags=["alerts"],
    )
    def put(self, request):
        data = PreferencesInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert_preferences_set(user=request.user, preferences=data.validated_data["preferences"])
        return Response({"data": alert_preference_list(user=request.user)})
