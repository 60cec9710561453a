"""The alerts' API routes: the watchlist and the search's follow, the alerts and their preferences, webhooks."""

from django.urls import path

from .views import alerts, watchlist, webhooks

urlpatterns = [
    *watchlist.urlpatterns,
    path("alerts", alerts.AlertsView.as_view(), name="alerts"),
    path("alerts/read", alerts.AlertsReadView.as_view(), name="alerts-read"),
    path("alerts/preferences", alerts.AlertPreferencesView.as_view(), name="alert-preferences"),
    path("alerts/<str:alert_id>/read", alerts.AlertReadView.as_view(), name="alert-read"),
    *webhooks.urlpatterns,
]
