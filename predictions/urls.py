from django.urls import path

from . import views, views_bankroll

urlpatterns = [
    path("courses/<str:code>/predictions", views.RacePredictionsView.as_view(), name="race-predictions"),
    path("predictions/top3", views.Top3View.as_view(), name="predictions-top3"),
    path("predictions/all", views.AllPredictionsView.as_view(), name="predictions-all"),
    path("valuebets", views.ValueBetsView.as_view(), name="valuebets"),
    path("backtest", views.BacktestView.as_view(), name="backtest"),
    path("metrics", views.MetricsView.as_view(), name="metrics"),
    path("export/csv", views.ExportCsvView.as_view(), name="export-csv"),
    path("predictions/history", views_bankroll.HistoryView.as_view(), name="predictions-history"),
    path("bets", views_bankroll.BetsView.as_view(), name="bets"),
    path("bets/summary", views_bankroll.BetSummaryView.as_view(), name="bets-summary"),
    path("bets/<int:bet_id>", views_bankroll.BetDetailView.as_view(), name="bet-detail"),
]
