from django.urls import path

from . import views

urlpatterns = [
    path("courses/<str:code>/predictions", views.RacePredictionsView.as_view(), name="race-predictions"),
    path(
        "courses/race/<str:race_id>/predictions", views.RaceByIdPredictionsView.as_view(), name="race-predictions-by-id"
    ),
    path("predictions/top3", views.Top3View.as_view(), name="predictions-top3"),
    path("predictions/all", views.AllPredictionsView.as_view(), name="predictions-all"),
    path("models", views.ModelVersionListView.as_view(), name="models"),
    path("models/<str:version>", views.ModelVersionDetailView.as_view(), name="model-version"),
]
