from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.urls import include, path, re_path

from turf import api, outages
from turf.metrics import metrics_view
from turf.middleware import too_large_response
from turf.views import UnknownEndpointView

api_v1 = [
    path("", include("turf.api_urls")),
    # Last: anything else under /api/v1/ is an unknown endpoint, answered in the envelope (any method: an API
    # view, so no CSRF page for a DELETE) with the rate-limit headers.
    re_path(r"^[\s\S]*$", UnknownEndpointView.as_view()),  # [\s\S]: a path with a newline is unknown too
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # Prometheus' scrape (not part of the API, nor of its schema): protected by METRICS_ALLOWED_IPS / METRICS_TOKEN.
    path("metrics", metrics_view, name="prometheus-metrics"),
    # The subscriber pages; any other path falls through to handler404 below.
    path("", include("dashboard.urls")),
]

admin.site.site_header = "Turf administration"
admin.site.site_title = "Turf admin"
admin.site.index_title = "Races, horses and subscribers"


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api.api_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):  # a body read past DATA_UPLOAD_MAX_MEMORY_SIZE
        return too_large_response(request)
    if request.path.startswith("/api/"):
        return api.api_bad_request(request)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if outages.current_error_is_database_down():  # raised by a middleware (the pages' views have theirs caught)
        return outages.database_unavailable_response(request)
    if request.path.startswith("/api/"):
        return api.api_server_error(request)
    from django.views.defaults import server_error

    return server_error(request)
