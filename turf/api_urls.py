"""The v1 API routes: each app contributes its own ``urls.py``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from turf.views import HealthView

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("schema", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    # Swagger UI, its start-up script a file of its own (docs?script): the Content-Security-Policy allows no
    # inline script.
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="schema", permission_classes=[], authentication_classes=[]),
        name="docs",
    ),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("courses.urls")),
    path("", include("predictions.urls")),
    path("", include("wagering.urls")),
    path("", include("alerts.urls")),
]
