from django.urls import path

from . import views

urlpatterns = [
    path("courses/today", views.TodayRacesView.as_view(), name="courses-today"),
    path("search", views.SearchView.as_view(), name="search"),
    path("health/data-sources", views.DataSourcesView.as_view(), name="health-data-sources"),
]
