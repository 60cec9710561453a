"""The v1 API routes. Each app adds its own ``urls.py`` here as it grows endpoints."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from turf.views import HealthView

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("schema", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[]), name="docs"),
]
