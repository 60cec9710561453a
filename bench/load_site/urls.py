"""Turf's URLs and, first, the framework's floor: a bare Django view answering a fixed JSON document through the
same gunicorn, middleware and settings as every Turf endpoint (what the load benchmark divides by)."""

from django.http import HttpResponse
from django.urls import path

from turf.urls import urlpatterns as turf_urlpatterns

BODY = b'{"version":"v1","status":"ok","data":[{"id":1,"name":"floor"}]}'


def floor(request):
    return HttpResponse(BODY, content_type="application/json")


urlpatterns = [path("bench/floor", floor), *turf_urlpatterns]
